/* Draw pcnhub's list-size charts with the locally served Plotly.
 *
 * Each <div data-chart="ID"> is drawn from the JSON in <script id="ID" type="application/json">
 * (written by Django's json_script): {title, dates, values, band: [lower, upper] | null}.
 * The same numbers are always in a table beside the chart, for screen readers and without JS.
 */
(function () {
  "use strict";
  var NHS_BLUE = "#005eb8";
  var NHS_GREY = "#768692";

  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-chart"));
    if (!source || !window.Plotly) {
      return;
    }
    var data = JSON.parse(source.textContent);
    if (!data.dates.length) {
      return;
    }
    var shapes = [];
    var annotations = [];
    if (data.band) {
      data.band.forEach(function (limit, i) {
        shapes.push({
          type: "line", xref: "paper", x0: 0, x1: 1, y0: limit, y1: limit,
          line: { color: NHS_GREY, width: 1.5, dash: "dash" }
        });
        annotations.push({
          xref: "paper", x: 1, y: limit, xanchor: "right", yanchor: i === 0 ? "top" : "bottom",
          text: (i === 0 ? "Lower limit " : "Upper limit ") + limit.toLocaleString("en-GB"),
          showarrow: false, font: { size: 12, color: NHS_GREY }
        });
      });
    }
    var trace = {
      x: data.dates, y: data.values, type: "scatter", mode: "lines+markers",
      name: "Registered patients", line: { color: NHS_BLUE, width: 3 }, marker: { size: 7 },
      hovertemplate: "%{x|%d %b %Y}: %{y:,} patients<extra></extra>"
    };
    var layout = {
      font: { family: "Frutiger W01, Arial, sans-serif", size: 14, color: "#212b32" },
      margin: { l: 70, r: 20, t: 10, b: 50 },
      height: 320,
      separators: ".,",
      xaxis: { type: "date", tickformat: "%b %Y", gridcolor: "#e8edee" },
      yaxis: { title: { text: "Registered patients" }, rangemode: "tozero", tickformat: ",d", gridcolor: "#e8edee" },
      shapes: shapes, annotations: annotations,
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff", showlegend: false
    };
    container.setAttribute("role", "img");
    container.setAttribute("aria-label", data.title + " (the numbers are in the table below)");
    window.Plotly.newPlot(container, [trace], layout, { displaylogo: false, responsive: true });
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
