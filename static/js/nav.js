// The header's menus are <details> disclosures and open and close without this file;
// this makes them behave like menus: one open at a time, closed by a click elsewhere
// or by Escape (which gives focus back to the menu's name).
(function () {
  "use strict";

  const menus = () => Array.from(document.querySelectorAll("details.nav-group"));

  document.addEventListener("toggle", (e) => {
    if (!e.target.matches?.("details.nav-group") || !e.target.open) return;
    menus().forEach((menu) => { if (menu !== e.target) menu.open = false; });
  }, true);

  document.addEventListener("click", (e) => {
    menus().forEach((menu) => { if (menu.open && !menu.contains(e.target)) menu.open = false; });
  });

  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    const open = menus().find((menu) => menu.open);
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
    // The Escape closed a menu: the page's own shortcuts (label.js) leave it alone.
    e.stopImmediatePropagation();
  }, true);
})();
