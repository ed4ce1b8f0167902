/* What pcnhub's Plotly charts share (money-chart.js, arrs-chart.js, measures-charts.js, phm-charts.js,
 * funnel-chart.js, maturity-chart.js, list-size-chart.js, designer-map.js): the palette, font, grid and layout,
 * and drawing each chart container from the JSON that Django's json_script wrote for it.
 * Load it before the chart scripts; it adds window.pcnhubCharts.
 *
 * The colours are the same as pcnhub.pages.charts on the server (tests/pages/test_charts.py keeps them so):
 *   PALETTE  Okabe and Ito's eight colour-blind-safe colours, taken in order, never repeated in a chart;
 *            the server groups a chart's smallest series into "Other" so it never needs more;
 *   OTHER    the grey of that "Other" series;
 *   STEPS    one hue light to dark (ColorBrewer Blues) for ordered levels, STEP_TEXT the text readable on each.
 */
(function () {
  "use strict";
  var PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000", "#f0e442"];
  var OTHER = "#8c979e";
  var STEPS = ["#eff3ff", "#bdd7e7", "#6baed6", "#2171b5", "#08306b"];
  var STEP_TEXT = ["#212b32", "#212b32", "#212b32", "#ffffff", "#ffffff"];
  var FONT = { family: "Frutiger W01, Arial, sans-serif", size: 14, color: "#212b32" };
  var GRID = "#e8edee";
  var BACKGROUND = { paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff" };
  // Charts that only show numbers: hover stays, the mode bar (its buttons would be focusable inside the
  // role="img" container, axe's nested-interactive) does not; drag to zoom, double-click to reset.
  var STATIC = { displaylogo: false, responsive: true, displayModeBar: false };
  var INTERACTIVE = { displaylogo: false, responsive: true };

  /* Colour i of the palette; past the palette's end (a chart the server did not group) the grey of Other,
   * so no colour is ever repeated as if it were another series. */
  function colour(i) {
    return i < PALETTE.length ? PALETTE[i] : OTHER;
  }

  /* Draw every <div ATTRIBUTE="ID"> from the JSON in <script id="ID" type="application/json"> once the
   * page has loaded. figure(data, container) gives {traces, layout}, or null when the data has nothing to draw;
   * described ends the chart's accessible name (after its title), pointing to the same numbers in a table.
   * With options.modebar false (the charts of numbers) the container is an image with that name; otherwise
   * (the designer's maps, whose zoom and pan buttons matter) it is a figure of that name around Plotly's
   * buttons, its drawing hidden from screen readers, which have the table.
   */
  function drawCharts(attribute, figure, described, options) {
    var modebar = !options || options.modebar !== false;

    function draw(container) {
      var source = document.getElementById(container.getAttribute(attribute));
      if (!source || !window.Plotly) {
        return;
      }
      var data = JSON.parse(source.textContent);
      var drawn = figure(data, container);
      if (!drawn || !drawn.traces.length) {
        return;
      }
      container.setAttribute("role", modebar ? "figure" : "img");
      container.setAttribute("aria-label", data.title + " " + described);
      window.Plotly.newPlot(container, drawn.traces, drawn.layout, modebar ? INTERACTIVE : STATIC).then(function () {
        if (modebar) {
          Array.prototype.forEach.call(container.querySelectorAll("svg.main-svg"), function (svg) {
            svg.setAttribute("aria-hidden", "true");
          });
        }
      });
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

  /* The hover text of a series the server grouped ("Other (3): A, B, C"), with "%" escaped for Plotly. */
  function seriesName(series) {
    return String(series.name).replace(/%/g, "%%");
  }

  window.pcnhubCharts = {
    PALETTE: PALETTE, COLOURS: PALETTE, OTHER: OTHER, STEPS: STEPS, STEP_TEXT: STEP_TEXT, FONT: FONT, GRID: GRID,
    BACKGROUND: BACKGROUND, STATIC: STATIC, colour: colour, drawCharts: drawCharts, layout: layout,
    seriesName: seriesName
  };
})();
