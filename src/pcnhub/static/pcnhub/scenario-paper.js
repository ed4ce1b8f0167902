/* A scenario's board paper: show the "Print / save as PDF" button (hidden without JavaScript) and print on click. */
(function () {
  "use strict";

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-print-paper]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
