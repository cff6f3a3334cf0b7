// The Import page: refuse a file over the upload limit before sending it. The server
// refuses it too, but only once the browser starts sending, and a browser cut off
// mid-upload may show no answer at all.
(function () {
  const input = document.getElementById("import-file");
  const error = document.getElementById("import-file-error");
  if (!input || !error) return;
  const maxBytes = Number(input.dataset.maxBytes);
  input.addEventListener("change", function () {
    const file = input.files[0];
    const message = file && file.size > maxBytes ? input.dataset.tooLarge : "";
    input.setCustomValidity(message);
    error.replaceChildren();
    if (message) {
      const item = document.createElement("li");
      item.textContent = message;
      error.append(item);
    }
  });
})();
