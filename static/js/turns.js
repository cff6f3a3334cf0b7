// Keyboard-first judging of each assistant turn of a conversation (task kind "turns";
// templates/labelling/partials/turn_controls.html), on any answer form that holds those
// controls. label.js keeps Enter, s, r, z, c and ?; this adds the turns' own keys:
// ↑/↓ or j/k highlight another assistant turn, u/d give the highlighted one its thumb,
// and with a rubric 1–9 give the highlighted aspect its point (←/→ another aspect).
// Without this file the radios alone answer the task.
(function () {
  "use strict";

  let turnIndex = 0;
  let aspectIndex = 0;

  const form = () => document.querySelector("form[data-answer-form][data-kind=turns]");
  const turns = () => Array.from(form()?.querySelectorAll(".judged-turn") || []);
  const aspects = (turn) => Array.from(turn?.querySelectorAll(".turn-aspect") || []);
  const isTyping = (el) => el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type === "text") || el.tagName === "SELECT");
  const done = (turn) => turn.querySelector(".thumb-buttons input:checked") && aspects(turn).every((a) => a.querySelector("input:checked"));

  function highlight(index, { scroll = true } = {}) {
    const all = turns();
    if (!all.length) return;
    turnIndex = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((turn, i) => turn.classList.toggle("focused", i === turnIndex));
    aspectIndex = Math.max(0, aspects(all[turnIndex]).findIndex((a) => !a.querySelector("input:checked")));
    showAspect();
    if (scroll) all[turnIndex].scrollIntoView({ block: "nearest" });
  }

  function showAspect() {
    turns().forEach((turn, i) => aspects(turn).forEach((a, j) => a.classList.toggle("focused", i === turnIndex && j === aspectIndex)));
  }

  function check(input) {
    if (!input) return;
    input.checked = true;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // Once the highlighted turn is fully judged, on to the next one that is not.
  function onwards() {
    const all = turns();
    if (!done(all[turnIndex])) return;
    const next = all.findIndex((turn, i) => i > turnIndex && !done(turn));
    if (next !== -1) highlight(next);
  }

  function thumb(value) {
    check(turns()[turnIndex]?.querySelector(`.thumb-buttons input[value="${value}"]`));
    onwards();
  }

  function point(value) {
    const turn = turns()[turnIndex];
    const aspect = aspects(turn)[aspectIndex];
    const input = aspect?.querySelector(`input[value="${value}"]`);
    if (!input) return;
    check(input);
    const rest = aspects(turn).findIndex((a, j) => j > aspectIndex && !a.querySelector("input:checked"));
    if (rest !== -1) { aspectIndex = rest; showAspect(); }
    onwards();
  }

  function init() {
    turnIndex = 0;
    aspectIndex = 0;
    if (form()) highlight(0, { scroll: false });
  }

  document.addEventListener("keydown", (e) => {
    if (!form() || e.ctrlKey || e.metaKey || e.altKey || isTyping(document.activeElement)) return;
    if (e.target.closest?.(".topbar") || document.getElementById("shortcuts")?.open) return;
    const key = e.key;
    if (key === "ArrowDown" || key === "j") highlight(turnIndex + 1);
    else if (key === "ArrowUp" || key === "k") highlight(turnIndex - 1);
    else if (key === "u" || key === "d") thumb(key === "u" ? "up" : "down");
    else if (/^[0-9]$/.test(key) && aspects(turns()[turnIndex]).length) point(key);
    else if ((key === "ArrowRight" || key === "ArrowLeft") && aspects(turns()[turnIndex]).length) {
      const count = aspects(turns()[turnIndex]).length;
      aspectIndex = (aspectIndex + (key === "ArrowRight" ? 1 : count - 1)) % count;
      showAspect();
    } else return;
    e.preventDefault();
  });

  document.addEventListener("click", (e) => {
    const turn = e.target.closest?.(".judged-turn");
    if (!turn || !form()?.contains(turn)) return;
    const aspect = e.target.closest(".turn-aspect");
    highlight(turns().indexOf(turn), { scroll: false });
    if (aspect) { aspectIndex = aspects(turn).indexOf(aspect); showAspect(); }
  });

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSwap", (e) => { if (e.detail.target.id === "task-area") init(); });
})();
