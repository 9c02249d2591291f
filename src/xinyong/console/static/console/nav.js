// The console menu's groups are <details> elements and work without this file. It only adds what a menu is
// expected to do: opening a group closes the others, Escape closes the open group (focus back on its
// title), and a click or focus outside the menu closes it.
(function () {
  "use strict";
  function groups() {
    return document.querySelectorAll(".main-nav details");
  }
  function closeAll(except) {
    groups().forEach(function (group) {
      if (group !== except) {
        group.open = false;
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var nav = document.querySelector(".main-nav");
    if (!nav) {
      return;
    }
    groups().forEach(function (group) {
      group.addEventListener("toggle", function () {
        if (group.open) {
          closeAll(group);
        }
      });
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") {
        return;
      }
      var open = nav.querySelector("details[open]");
      if (open) {
        open.open = false;
        open.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (!nav.contains(event.target)) {
        closeAll(null);
      }
    });
    document.addEventListener("focusin", function (event) {
      if (!nav.contains(event.target)) {
        closeAll(null);
      }
    });
  });
})();
