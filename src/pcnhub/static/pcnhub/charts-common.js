/* What pcnhub's Plotly charts share (money-chart.js, arrs-chart.js, measures-charts.js, phm-charts.js,
 * funnel-chart.js): the NHS identity colours, font, grid and layout, and drawing each chart container from the
 * JSON that Django's json_script wrote for it.
 * Load it before the chart scripts; it adds window.pcnhubCharts.
 */
(function () {
  "use strict";
  // NHS identity colours, in an order that keeps neighbouring series apart.
  var COLOURS = [
    "#005eb8", "#41b6e6", "#007f3b", "#ffb81c", "#330072", "#ae2573", "#ed8b00", "#00a499",
    "#768692", "#003087", "#78be20", "#8a1538"
  ];
  var FONT = { family: "Frutiger W01, Arial, sans-serif", size: 14, color: "#212b32" };
  var GRID = "#e8edee";
  var BACKGROUND = { paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff" };

  /* Draw every <div ATTRIBUTE="ID"> from the JSON in <script id="ID" type="application/json"> once the
   * page has loaded. figure(data) gives {traces, layout}, or null when the data has nothing to draw;
   * described ends the chart's accessible name (after its title), pointing to the same numbers in a table.
   */
  function drawCharts(attribute, figure, described) {
    function draw(container) {
      var source = document.getElementById(container.getAttribute(attribute));
      if (!source || !window.Plotly) {
        return;
      }
      var data = JSON.parse(source.textContent);
      var drawn = figure(data);
      if (!drawn || !drawn.traces.length) {
        return;
      }
      container.setAttribute("role", "img");
      container.setAttribute("aria-label", data.title + " " + described);
      window.Plotly.newPlot(container, drawn.traces, drawn.layout, { displaylogo: false, responsive: true });
    }

    function drawAll() {
      Array.prototype.forEach.call(document.querySelectorAll("[" + attribute + "]"), draw);
    }

    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", drawAll);
    } else {
      drawAll();
    }
  }

  /* A Plotly layout in pcnhub's font and background, with ``extra``'s keys added. */
  function layout(extra) {
    var base = { font: FONT, separators: ".,", paper_bgcolor: BACKGROUND.paper_bgcolor,
                 plot_bgcolor: BACKGROUND.plot_bgcolor };
    Object.keys(extra).forEach(function (key) { base[key] = extra[key]; });
    return base;
  }

  window.pcnhubCharts = {
    COLOURS: COLOURS, FONT: FONT, GRID: GRID, BACKGROUND: BACKGROUND, drawCharts: drawCharts, layout: layout
  };
})();
