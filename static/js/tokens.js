// The Tokens page's Copy button: shown only where it can work (it needs JavaScript and
// the clipboard); without it the key stays selectable in its read-only field.
(() => {
  const button = document.querySelector("[data-copy]");
  if (!button || !navigator.clipboard) return;
  const field = document.querySelector(button.dataset.copy);
  const status = document.getElementById("copy-status");
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = "Copied.";
    } catch {
      field.select();
      status.textContent = "Your browser did not allow copying: the token is selected, copy it with Ctrl+C or ⌘C.";
    }
  });
})();
