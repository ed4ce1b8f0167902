/* A printable page (the maturity report, a scenario's board paper): show its print buttons ([data-print], hidden
   without JavaScript) and print on click. */
(function () {
  "use strict";

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
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
