// Keyboard-first answering, on the labelling page and on the adjudication page: any
// form marked data-answer-form that holds the answer controls
// (templates/labelling/partials/answer_controls.html); on a label's edit page, only the
// rating rows' point descriptions follow the chosen point. The form works without this file
// (plain radios, selects and a submit button); this adds shortcuts, drag-to-rank and
// the time-on-task clock (where the form has its field).
(function () {
  "use strict";

  let shownAt = performance.now();
  let focusIndex = 0;     // thumbs and rank: the highlighted response
  let typedOrder = [];    // rank: numbers typed best-first

  const form = () => document.querySelector("form[data-answer-form]");
  // The form's own submit button: not one that posts elsewhere (Skip has its formaction).
  const submitButton = (f) => f.querySelector("button[type=submit]:not([formaction])");
  const cards = () => Array.from(form()?.querySelectorAll(".candidate") || []);
  const isTyping = (el) => el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "text") || el.tagName === "SELECT");

  // Why Enter sent nothing: what is still to do, in the keys that do it.
  const STILL_TO_DO = {
    pair: "Nothing was sent: choose a response first (1 or ← the left one, 2 or → the right one), 0 for a tie, or b if both are bad.",
    thumbs: "Nothing was sent: give every response a thumbs up (u) or down (d) first; 1–9 or ↑/↓ pick the response.",
    turns: "Nothing was sent: judge every assistant turn first (↑/↓ or j/k highlight a turn, u good, d bad; with a rubric 1–9 its points).",
    rank: "Nothing was sent: rank the responses first (type their numbers best-first, drag them, or move one with ↑/↓), or press k to keep the order shown as your ranking.",
    rate: "Nothing was sent: rate every response on every aspect first (a digit or ←/→ sets the highlighted aspect's point; Tab/↓ the next aspect).",
  };
  const UNRATED = "Nothing was sent: rate every response on every aspect first (a goes to the ratings; a digit or ←/→ sets the highlighted aspect's point, Tab/↓ the next aspect).";

  // Rating rows (templates/labelling/partials/rating_rows.html): one radio group per
  // response and aspect. While focus is in a row its keys are the row's: digits and ←/→
  // set its point, Tab/↓ and ↑ move aspect by aspect (then to the next response), Esc
  // leaves; so a digit there rates and never picks or ranks. Outside the rows, the
  // kind's keys are as they always were, and a goes back to the first unrated aspect.
  const rows = () => Array.from(form()?.querySelectorAll(".rating-row") || []);
  const rowOf = (el) => el?.closest?.(".rating-row");
  const pointsOf = (row) => Array.from(row.querySelectorAll("input[type=radio]"));
  const unrated = () => rows().filter((row) => !row.querySelector("input:checked"));

  function describe(row, input) {
    const box = row.querySelector(".point-description");
    const shown = input || row.querySelector("input:checked");
    if (box) box.textContent = shown ? shown.value + (shown.dataset.description ? ": " + shown.dataset.description : "") : "";
  }

  function focusRow(index, { scroll = true } = {}) {
    const all = rows();
    if (index < 0 || index >= all.length) {
      // Past the last aspect (or before the first): out of the rows, to the kind's keys.
      document.activeElement?.blur();
      all.forEach((row) => row.classList.remove("current"));
      return false;
    }
    const row = all[index];
    const target = row.querySelector("input:checked") || pointsOf(row)[0];
    target.focus({ preventScroll: !scroll });
    if (scroll) row.scrollIntoView({ block: "nearest" });
    return true;
  }

  function setPoint(row, input) {
    if (!input) return;
    check(input);
    input.focus({ preventScroll: true });
    describe(row, input);
  }

  // A key while a rating row has focus; false: not a rating key (the page's keys apply).
  function ratingKey(e, row) {
    const all = rows();
    const index = all.indexOf(row);
    const points = pointsOf(row);
    const current = points.findIndex((input) => input.checked);
    if (/^[0-9]$/.test(e.key)) {
      const input = points.find((p) => p.value === e.key);
      if (input) { setPoint(row, input); focusRow(index + 1); }
      return true;  // off the scale: still a rating key, never a pick
    }
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      const step = e.key === "ArrowRight" ? 1 : -1;
      const to = current === -1 ? 0 : Math.max(0, Math.min(points.length - 1, current + step));
      setPoint(row, points[to]);
      return true;
    }
    if (e.key === "ArrowDown" || (e.key === "Tab" && !e.shiftKey)) {
      if (e.key === "Tab" && index === all.length - 1) { all.forEach((r) => r.classList.remove("current")); return false; }
      focusRow(index + 1);
      return true;
    }
    if (e.key === "ArrowUp" || (e.key === "Tab" && e.shiftKey)) {
      if (e.key === "Tab" && index === 0) return false;
      focusRow(Math.max(0, index - 1));
      return true;
    }
    if (e.key === "Escape") { focusRow(-1); return true; }
    return false;
  }

  document.addEventListener("focusin", (e) => {
    const row = rowOf(e.target);
    rows().forEach((r) => r.classList.toggle("current", r === row));
    if (!row) return;
    describe(row, e.target.checked ? e.target : null);
    const card = row.closest(".candidate");
    if (card && form()?.contains(card) && form().dataset.kind !== "rank") highlight(cards().indexOf(card));
  });
  document.addEventListener("change", (e) => {
    const row = rowOf(e.target);
    if (!row) return;
    describe(row, e.target);
    // Everything rated: a "rate every response" message no longer applies.
    const box = document.querySelector("[data-testid=task-message]");
    if (!unrated().length && box && [STILL_TO_DO.rate, UNRATED].includes(box.textContent)) say("");
  });

  function say(text) {
    const box = document.querySelector("[data-testid=task-message]");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  function highlight(index) {
    const all = cards();
    if (!all.length || form().dataset.kind === "pair") return;  // pair: the choice is the highlight
    focusIndex = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((c, i) => c.classList.toggle("focused", i === focusIndex));
    all[focusIndex].scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function check(input) {
    if (!input) return;
    input.checked = true;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function choose(value) {
    check(form().querySelector(`input[name=choice][value="${value}"]`));
  }

  function choosePairSide(side) {
    // side 0 = left/first shown, 1 = right/second shown; values are canonical letters.
    check(form().querySelectorAll(".candidates.pair input[name=choice]")[side]);
  }

  function strength(step) {
    // "How much better?": ↑ one step more (slightly → clearly → much), ↓ one less (to none).
    const select = form().querySelector("select[name=strength]");
    if (!select) return;
    select.selectedIndex = Math.max(0, Math.min(select.options.length - 1, select.selectedIndex + step));
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function thumb(value) {
    const card = cards()[focusIndex];
    if (!card) return;
    check(card.querySelector(`input[value="${value}"]`));
    const next = cards().findIndex((c, i) => i > focusIndex && !c.querySelector("input:checked"));
    highlight(next === -1 ? focusIndex : next);
  }

  // Rank. Until the annotator ranks, the selects stay blank (so the form cannot be sent)
  // and the "ranked" field is empty: an untouched list is never taken for a ranking.
  // Once they move, type, drag, choose a select or press k, the list order is the
  // ranking and the selects follow it.
  const rankedField = () => form()?.querySelector("input[name=keep_shown_order]");

  function markRanked() {
    const field = rankedField();
    if (field) field.value = "1";
    form().classList.add("ranked");
    cards().forEach((item, i) => {
      const select = item.querySelector("select");
      if (select) select.value = String(i + 1);
    });
    say("");
  }

  function startRankOver() {
    const list = document.getElementById("rank-list");
    typedOrder = [];
    cards()
      .sort((a, b) => Number(a.dataset.number) - Number(b.dataset.number))
      .forEach((el) => { el.classList.remove("typed"); list.appendChild(el); });
    cards().forEach((item) => { item.querySelector("select").value = ""; });
    if (rankedField()) rankedField().value = "";
    form().classList.remove("ranked");
    highlight(0);
  }

  function moveItem(from, to) {
    const list = document.getElementById("rank-list");
    const items = cards();
    if (!list || to < 0 || to >= items.length || from === to) return false;
    list.insertBefore(items[from], to > from ? items[to].nextSibling : items[to]);
    return true;
  }

  function moveRank(from, to) {
    if (!moveItem(from, to)) return;
    markRanked();
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
    markRanked();
    highlight(typedOrder.length - 1);
  }

  function setupRank() {
    const list = document.getElementById("rank-list");
    if (!list) return;
    form().querySelector("[data-action=keep-order]")?.removeAttribute("hidden");
    const selects = cards().map((item) => item.querySelector("select"));
    if (selects.every((select) => select.value)) {
      // Shown again after a refusal, with the ranks they had chosen: list them so.
      cards()
        .sort((a, b) => Number(a.querySelector("select").value) - Number(b.querySelector("select").value))
        .forEach((el) => list.appendChild(el));
      markRanked();
    } else if (rankedField()) {
      rankedField().value = "";
    }
    let dragged = null;
    let moved = false;
    list.addEventListener("dragstart", (e) => {
      dragged = e.target.closest(".rank-item");
      moved = false;
      dragged?.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
    });
    list.addEventListener("dragend", () => {
      dragged?.classList.remove("dragging");
      dragged = null;
      if (moved) markRanked();
    });
    list.addEventListener("dragover", (e) => {
      e.preventDefault();
      const over = e.target.closest(".rank-item");
      if (!dragged || !over || over === dragged) return;
      const box = over.getBoundingClientRect();
      const before = e.clientY > box.top + box.height / 2 ? over.nextSibling : over;
      if (before !== dragged && before !== dragged.nextSibling) {
        list.insertBefore(dragged, before);
        moved = true;
      }
    });
    // A chosen select moves its item to that place, so both controls agree; choosing is
    // ranking, even where the item already stood there.
    list.addEventListener("change", (e) => {
      if (e.target.tagName !== "SELECT" || !e.target.value) return;
      const item = e.target.closest(".rank-item");
      const to = Number(e.target.value) - 1;
      moveItem(cards().indexOf(item), to);
      markRanked();
      highlight(cards().indexOf(item));
    });
  }

  function toggleCodebook() {
    document.body.classList.toggle("codebook-hidden");
  }

  // ? and the Shortcuts button: the keyboard help, the usual key for it.
  function toggleShortcuts() {
    const dialog = document.getElementById("shortcuts");
    if (!dialog) return;
    if (dialog.open) dialog.close(); else dialog.showModal();
  }

  // Enter (and the Submit button): send only a complete answer, else say what is missing.
  function submitOrExplain(f) {
    const missing = unrated();
    if (missing.length) {
      say(f.dataset.kind === "rate" ? STILL_TO_DO.rate : UNRATED);
      focusRow(rows().indexOf(missing[0]));
      return;
    }
    if (!f.checkValidity()) {
      say(STILL_TO_DO[f.dataset.kind] || "Nothing was sent: answer every part of the task first.");
      return;
    }
    f.requestSubmit(submitButton(f));
  }

  function init() {
    shownAt = performance.now();
    typedOrder = [];
    focusIndex = 0;
    if (!form()) return;
    highlight(0);
    setupRank();
    // Rated tasks start at the first aspect of the first response: rate, then pick or rank.
    if (rows().length) focusRow(0, { scroll: false });
    const rewrite = form().querySelector("details.rewrite");
    // Opened from its summary (a click): into the text box. Not when r opened it: r has
    // focused the box already, and this event comes later, maybe after Escape left it.
    rewrite?.addEventListener("toggle", () => {
      if (rewrite.open && document.activeElement === rewrite.querySelector("summary")) rewrite.querySelector("textarea").focus();
    });
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
  // A click on Submit with something missing: our message in place of the browser's bubble.
  document.addEventListener("invalid", (e) => {
    const f = form();
    if (!f || !f.contains(e.target)) return;
    e.preventDefault();
    say(STILL_TO_DO[f.dataset.kind] || "Nothing was sent: answer every part of the task first.");
  }, true);

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    // Keys on the top bar's links and menus are theirs (Enter follows a link there).
    if (e.target.closest?.(".topbar")) return;
    const dialog = document.getElementById("shortcuts");
    if (isTyping(document.activeElement)) {
      if (e.key === "Escape") document.activeElement.blur();
      return;
    }
    if (e.key === "?") { e.preventDefault(); toggleShortcuts(); return; }
    if (e.key === "c") { e.preventDefault(); toggleCodebook(); return; }
    if (e.key === "z") {
      // Exactly the "Undo last" button (there is one only after a label): also on "All caught up".
      const undo = document.querySelector("#task-area button[data-action=undo]");
      if (undo) { e.preventDefault(); undo.click(); }
      return;
    }
    const f = form();
    if (!f) return;
    const row = rowOf(document.activeElement);
    if (row && f.contains(row) && ratingKey(e, row)) {
      e.preventDefault();
      if (dialog?.open) dialog.close();
      return;
    }
    if (row && e.key === "Tab") return;  // out of the rows, natively
    const kind = f.dataset.kind;
    const n = Number(e.key);
    let handled = true;
    const skip = f.querySelector("button[data-action=skip]");
    const rewrite = f.querySelector("details.rewrite");
    if (e.key === "Enter") {
      if (document.activeElement?.tagName === "BUTTON" && document.activeElement.form === f) return; // native
      submitOrExplain(f);
    } else if (e.key === "s" && skip) {
      // Exactly the Skip button: a click posts to its own URL (htmx: its hx-post), skips
      // the form's validation (formnovalidate) and sends no answer.
      skip.click();
    } else if (e.key === "a" && rows().length) {
      focusRow(Math.max(0, rows().indexOf(unrated()[0] || rows()[0])));
    } else if (e.key === "r" && rewrite) {
      rewrite.open = true;
      rewrite.querySelector("textarea").focus();
    } else if (kind === "pair" && (e.key === "1" || e.key === "ArrowLeft")) {
      choosePairSide(0);
    } else if (kind === "pair" && (e.key === "2" || e.key === "ArrowRight")) {
      choosePairSide(1);
    } else if (kind === "pair" && e.key === "0") {
      choose("tie");
    } else if (kind === "pair" && e.key === "b") {
      choose("both_bad");
    } else if (kind === "pair" && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      strength(e.key === "ArrowUp" ? 1 : -1);
    } else if (kind === "thumbs" && (e.key === "u" || e.key === "d")) {
      thumb(e.key === "u" ? "up" : "down");
    } else if (kind === "thumbs" && n >= 1 && n <= 9) {
      highlight(n - 1);
    } else if (kind === "thumbs" && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      highlight(focusIndex + (e.key === "ArrowDown" ? 1 : -1));
    } else if (kind === "rank" && n >= 1 && n <= 9) {
      typeRank(n);
    } else if (kind === "rank" && e.key === "Backspace") {
      startRankOver();
    } else if (kind === "rank" && e.key === "k") {
      markRanked();
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
    if (action === "shortcuts") toggleShortcuts();
    if (action === "keep-order" && form()) markRanked();
    const card = e.target.closest(".candidate");
    if (card && form()?.contains(card)) highlight(cards().indexOf(card));
  });

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSwap", (e) => {
    if (e.detail.target.id !== "task-area") return;
    init();
    // The next task starts at its prompt: on a phone the Submit button was a long scroll
    // below it, and the swap would leave the annotator looking at the new task's end.
    if (e.detail.target.getBoundingClientRect().top < 0) e.detail.target.scrollIntoView({ block: "start" });
  });
})();
