// Menus built from <details data-navgroup>: they work without this script; with it, opening
// one closes the others, a click outside or Escape closes an open one (Escape returns the
// focus to its button), so the desktop bar behaves like an ordinary menu bar.
(function () {
  "use strict";
  function groups() {
    return Array.prototype.slice.call(document.querySelectorAll("details[data-navgroup]"));
  }
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches("details[data-navgroup]") || !opened.open) return;
    groups().forEach(function (other) {
      if (other !== opened && other.open && !other.contains(opened)) other.open = false;
    });
  }, true);
  document.addEventListener("click", function (event) {
    groups().forEach(function (group) {
      if (group.open && !group.contains(event.target) && !group.classList.contains("menu")) group.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    groups().forEach(function (group) {
      if (group.open) {
        group.open = false;
        var summary = group.querySelector("summary");
        if (summary && group.contains(document.activeElement)) summary.focus();
      }
    });
  });
})();
