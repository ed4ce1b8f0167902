/* The development plan's action form: as statements are ticked, mark the support offers that help
 * with them ("Helps with" and where each statement sits in the matrix, never its internal id). Without JavaScript the page marks them when it is
 * shown again (after a save with errors, or when changing an action).
 */
(function () {
  "use strict";

  function update(form) {
    var boxes = form.querySelectorAll("input[data-statement-choice]:checked");
    var chosen = Array.prototype.map.call(boxes, function (box) { return box.value; });
    var places = {};
    Array.prototype.forEach.call(boxes, function (box) { places[box.value] = box.getAttribute("data-place") || box.value; });
    Array.prototype.forEach.call(form.querySelectorAll("[data-offer-statements]"), function (offer) {
      var helps = offer.getAttribute("data-offer-statements").split(" ").filter(function (id) {
        return id && chosen.indexOf(id) !== -1;
      });
      var target = offer.querySelector("[data-helps]");
      if (!target || !chosen.length) {
        return;
      }
      target.textContent = "";
      if (helps.length) {
        var tag = document.createElement("strong");
        tag.className = "nhsuk-tag nhsuk-tag--green";
        tag.textContent = "Helps with";
        target.appendChild(tag);
        target.appendChild(document.createTextNode(" " + helps.sort().map(function (id) { return places[id]; }).join("; ")));
      }
    });
  }

  function init() {
    var form = document.getElementById("action-form");
    if (!form) {
      return;
    }
    form.addEventListener("change", function (event) {
      if (event.target.hasAttribute("data-statement-choice")) {
        update(form);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
