// Keyboard-first labelling. The form works without this file (plain radios, selects
// and a submit button); this adds shortcuts, drag-to-rank and the time-on-task clock.
(function () {
  "use strict";

  let shownAt = performance.now();
  let focusIndex = 0;     // thumbs and rank: the highlighted response
  let typedOrder = [];    // rank: numbers typed best-first

  const form = () => document.getElementById("label-form");
  const cards = () => Array.from(form()?.querySelectorAll(".candidate") || []);
  const isTyping = (el) => el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "text") || el.tagName === "SELECT");

  function highlight(index) {
    const all = cards();
    if (!all.length || form().dataset.kind === "pair") return;  // pair: the choice is the highlight
    focusIndex = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((c, i) => c.classList.toggle("focused", i === focusIndex));
    all[focusIndex].scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function choose(value) {
    const input = form().querySelector(`input[name=choice][value="${value}"]`);
    if (input) { input.checked = true; input.dispatchEvent(new Event("change", { bubbles: true })); }
  }

  function choosePairSide(side) {
    // side 0 = left/first shown, 1 = right/second shown; values are canonical letters.
    const radios = form().querySelectorAll(".candidates.pair input[name=choice]");
    if (radios[side]) { radios[side].checked = true; radios[side].dispatchEvent(new Event("change", { bubbles: true })); }
  }

  function thumb(value) {
    const card = cards()[focusIndex];
    if (!card) return;
    const input = card.querySelector(`input[value="${value}"]`);
    input.checked = true;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    const next = cards().findIndex((c, i) => i > focusIndex && !c.querySelector("input:checked"));
    highlight(next === -1 ? focusIndex : next);
  }

  // Rank: the list order is the ranking; keep the no-JS selects in step with it.
  function syncRankSelects() {
    cards().forEach((item, i) => {
      const select = item.querySelector("select");
      if (select) select.value = String(i + 1);
    });
  }

  function moveRank(from, to) {
    const list = document.getElementById("rank-list");
    const items = cards();
    if (!list || to < 0 || to >= items.length || from === to) return;
    const node = items[from];
    list.insertBefore(node, to > from ? items[to].nextSibling : items[to]);
    syncRankSelects();
    highlight(to);
  }

  function typeRank(number) {
    const items = cards();
    if (number > items.length || typedOrder.includes(number)) return;
    typedOrder.push(number);
    const list = document.getElementById("rank-list");
    const byNumber = (n) => items.find((el) => Number(el.dataset.number) === n);
    const rest = items.filter((el) => !typedOrder.includes(Number(el.dataset.number)));
    typedOrder.map(byNumber).concat(rest).forEach((el) => list.appendChild(el));
    items.forEach((el) => el.classList.toggle("typed", typedOrder.includes(Number(el.dataset.number))));
    syncRankSelects();
    highlight(typedOrder.length - 1);
  }

  function setupDrag() {
    const list = document.getElementById("rank-list");
    if (!list) return;
    let dragged = null;
    list.addEventListener("dragstart", (e) => {
      dragged = e.target.closest(".rank-item");
      dragged?.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
    });
    list.addEventListener("dragend", () => { dragged?.classList.remove("dragging"); dragged = null; syncRankSelects(); });
    list.addEventListener("dragover", (e) => {
      e.preventDefault();
      const over = e.target.closest(".rank-item");
      if (!dragged || !over || over === dragged) return;
      const box = over.getBoundingClientRect();
      list.insertBefore(dragged, e.clientY > box.top + box.height / 2 ? over.nextSibling : over);
    });
    // A changed select moves its item to that place, so both controls agree.
    list.addEventListener("change", (e) => {
      if (e.target.tagName !== "SELECT") return;
      const items = cards();
      const from = items.indexOf(e.target.closest(".rank-item"));
      moveRank(from, Number(e.target.value) - 1);
    });
  }

  function toggleCodebook() {
    document.body.classList.toggle("codebook-hidden");
  }

  function init() {
    shownAt = performance.now();
    typedOrder = [];
    if (!form()) return;
    highlight(0);
    setupDrag();
    syncRankSelects();
    const rewrite = form().querySelector("details.rewrite");
    rewrite?.addEventListener("toggle", () => { if (rewrite.open) rewrite.querySelector("textarea").focus(); });
  }

  // Time on task: measured here, written just before the form is serialized.
  document.addEventListener("submit", (e) => {
    const field = e.target.querySelector?.("input[name=time_spent_ms]");
    if (field) field.value = String(Math.round(performance.now() - shownAt));
  }, true);
  document.addEventListener("htmx:configRequest", (e) => {
    if (e.detail.elt.closest?.("#label-form") || e.detail.elt.id === "label-form") {
      e.detail.parameters.set?.("time_spent_ms", String(Math.round(performance.now() - shownAt)));
      if (!e.detail.parameters.set) e.detail.parameters["time_spent_ms"] = String(Math.round(performance.now() - shownAt));
    }
  });

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const dialog = document.getElementById("shortcuts");
    if (isTyping(document.activeElement)) {
      if (e.key === "Escape") document.activeElement.blur();
      return;
    }
    if (e.key === "?") { e.preventDefault(); toggleCodebook(); return; }
    const f = form();
    if (!f) return;
    const kind = f.dataset.kind;
    const n = Number(e.key);
    let handled = true;
    if (e.key === "Enter") {
      if (document.activeElement?.tagName === "BUTTON" && document.activeElement.form === f) return; // native
      f.requestSubmit(f.querySelector("button[data-testid=submit]"));
    } else if (e.key === "s") {
      f.requestSubmit(f.querySelector("button[data-action=skip]"));
    } else if (e.key === "r") {
      const details = f.querySelector("details.rewrite");
      details.open = true;
      details.querySelector("textarea").focus();
    } else if (kind === "pair" && (e.key === "1" || e.key === "ArrowLeft")) {
      choosePairSide(0);
    } else if (kind === "pair" && (e.key === "2" || e.key === "ArrowRight")) {
      choosePairSide(1);
    } else if (kind === "pair" && e.key === "0") {
      choose("tie");
    } else if (kind === "pair" && e.key === "b") {
      choose("both_bad");
    } else if (kind === "thumbs" && (e.key === "u" || e.key === "d")) {
      thumb(e.key === "u" ? "up" : "down");
    } else if (kind === "thumbs" && n >= 1 && n <= 9) {
      highlight(n - 1);
    } else if (kind === "thumbs" && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      highlight(focusIndex + (e.key === "ArrowDown" ? 1 : -1));
    } else if (kind === "rank" && n >= 1 && n <= 9) {
      typeRank(n);
    } else if (kind === "rank" && e.key === "Backspace") {
      typedOrder = [];
      cards().forEach((el) => el.classList.remove("typed"));
    } else if (kind === "rank" && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      moveRank(focusIndex, focusIndex + (e.key === "ArrowDown" ? 1 : -1));
    } else {
      handled = false;
    }
    if (handled) e.preventDefault();
    if (dialog?.open && e.key !== "Escape") dialog.close();
  });

  document.addEventListener("click", (e) => {
    const action = e.target.closest("[data-action]")?.dataset.action;
    if (action === "toggle-codebook") toggleCodebook();
    if (action === "shortcuts") document.getElementById("shortcuts")?.showModal();
    const card = e.target.closest(".candidate");
    if (card && form()?.contains(card)) highlight(cards().indexOf(card));
  });

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSwap", (e) => { if (e.detail.target.id === "task-area") init(); });
})();
