/* Draw pcnhub's list-size charts with the locally served Plotly.
 *
 * Each <div data-chart="ID"> is drawn from the JSON in <script id="ID" type="application/json">
 * (written by Django's json_script): {title, dates, values, band: [lower, upper] | null}.
 * The same numbers are always in a table beside the chart, for screen readers and without JS.
 * Needs charts-common.js loaded first.
 */
(function () {
  "use strict";
  var charts = window.pcnhubCharts;
  var LIMIT = "#4c6272";

  function figure(data) {
    if (!data.dates.length) {
      return null;
    }
    var shapes = [];
    var annotations = [];
    if (data.band) {
      data.band.forEach(function (limit, i) {
        shapes.push({
          type: "line", xref: "paper", x0: 0, x1: 1, y0: limit, y1: limit,
          line: { color: LIMIT, width: 1.5, dash: "dash" }
        });
        annotations.push({
          xref: "paper", x: 1, y: limit, xanchor: "right", yanchor: i === 0 ? "top" : "bottom",
          text: (i === 0 ? "Lower limit " : "Upper limit ") + limit.toLocaleString("en-GB"),
          showarrow: false, font: { size: 12, color: LIMIT }
        });
      });
    }
    var trace = {
      x: data.dates, y: data.values, type: "scatter", mode: "lines+markers",
      name: "Registered patients", line: { color: charts.PALETTE[0], width: 3 }, marker: { size: 7 },
      hovertemplate: "%{x|%d %b %Y}: %{y:,} patients<extra></extra>"
    };
    return {
      traces: [trace],
      layout: charts.layout({
        margin: { l: 70, r: 20, t: 10, b: 50 },
        height: 320,
        xaxis: { type: "date", tickformat: "%b %Y", gridcolor: charts.GRID },
        yaxis: { title: { text: "Registered patients" }, rangemode: "tozero", tickformat: ",d", gridcolor: charts.GRID },
        shapes: shapes, annotations: annotations, showlegend: false
      })
    };
  }

  charts.drawCharts("data-chart", figure, "(the numbers are in the table below)", { modebar: false });
})();
