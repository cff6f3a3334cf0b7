// Boxes that show one of two things to compare (a pair's two responses) scroll together:
// scrolling one moves the others of its group (data-scroll-together) to the same share
// of their length, so both are read at the same place. Listening on the document, in
// the capture phase (scroll events do not bubble), also covers tasks htmx swaps in.
(function () {
  "use strict";

  const moved = new WeakSet();  // boxes whose next scroll event this script caused

  document.addEventListener("scroll", (e) => {
    const box = e.target;
    const group = box instanceof HTMLElement ? box.dataset.scrollTogether : undefined;
    if (!group) return;
    if (moved.has(box)) { moved.delete(box); return; }  // following, not leading
    const range = box.scrollHeight - box.clientHeight;
    const share = range > 0 ? box.scrollTop / range : 0;
    document.querySelectorAll(`[data-scroll-together="${CSS.escape(group)}"]`).forEach((other) => {
      if (other === box) return;
      const before = other.scrollTop;
      other.scrollTop = Math.round(share * (other.scrollHeight - other.clientHeight));
      if (other.scrollTop !== before) moved.add(other);  // no change, no event to skip
    });
  }, true);
})();
