/* Draw pcnhub's network money charts with the locally served Plotly.
 *
 * Each <div data-money-chart="ID"> is drawn from the JSON in <script id="ID" type="application/json">
 * (written by Django's json_script), one of:
 *   {kind: "stacked", title, years: [...], series: [{name, values: [amount | null, ...], colour, legend?}]}
 *     a stacked bar of each year's payments (at most eight series: pcnhub.pages.charts.group_series);
 *   {kind: "hbar", title, labels: [...], values: [...], average, average_label}
 *     a horizontal bar per organisation (amount per registered patient) with the average marked.
 * The same numbers are always in a table on the page, for screen readers and without JavaScript.
 * Needs charts-common.js loaded first.
 */
(function () {
  "use strict";
  var charts = window.pcnhubCharts;
  var FONT = charts.FONT;
  var GRID = charts.GRID;
  var BACKGROUND = charts.BACKGROUND;

  function pounds(value) {
    return "£" + value.toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  // The server sends at most eight series, each with its colour; the smallest payments are summed in "Other
  // payments (n)", whose hover names them.
  function stacked(data) {
    var traces = data.series.map(function (series, i) {
      return {
        type: "bar", name: series.legend || series.name, x: data.years, y: series.values,
        marker: { color: series.colour || charts.colour(i) },
        hovertemplate: "%{x} " + charts.seriesName(series) + ": £%{y:,.2f}<extra></extra>"
      };
    }).filter(function (trace) {
      return trace.y.some(function (v) { return v; });
    });
    var layout = {
      barmode: "stack", font: FONT, height: 420, separators: ".,",
      margin: { l: 90, r: 20, t: 10, b: 40 },
      xaxis: { type: "category" },
      yaxis: { title: { text: "Entitlement (£)" }, tickprefix: "£", tickformat: ",.0f", rangemode: "tozero", gridcolor: GRID },
      legend: { orientation: "h", y: -0.15 },
      paper_bgcolor: BACKGROUND.paper_bgcolor, plot_bgcolor: BACKGROUND.plot_bgcolor
    };
    return { traces: traces, layout: layout };
  }

  function hbar(data) {
    var trace = {
      type: "bar", orientation: "h", x: data.values, y: data.labels,
      marker: { color: charts.PALETTE[0] },
      hovertemplate: "%{y}: £%{x:,.2f} per registered patient<extra></extra>"
    };
    var shapes = [];
    var annotations = [];
    if (data.average !== null && data.average !== undefined) {
      shapes.push({
        type: "line", yref: "paper", y0: 0, y1: 1, x0: data.average, x1: data.average,
        line: { color: "#768692", width: 2, dash: "dash" }
      });
      annotations.push({
        yref: "paper", y: 1, x: data.average, yanchor: "bottom", showarrow: false,
        text: data.average_label + " " + pounds(data.average), font: { size: 12, color: "#4c6272" }
      });
    }
    var layout = {
      font: FONT, separators: ".,", height: Math.max(240, 60 + 28 * data.labels.length),
      margin: { l: 260, r: 20, t: 30, b: 50 },
      xaxis: { title: { text: "£ per registered patient" }, tickprefix: "£", tickformat: ",.2f", rangemode: "tozero", gridcolor: GRID },
      yaxis: { type: "category", automargin: true },
      shapes: shapes, annotations: annotations, showlegend: false,
      paper_bgcolor: BACKGROUND.paper_bgcolor, plot_bgcolor: BACKGROUND.plot_bgcolor
    };
    return { traces: [trace], layout: layout };
  }

  function figure(data) {
    if (data.kind === "hbar") {
      return data.values.length ? hbar(data) : null;
    }
    return stacked(data);
  }

  charts.drawCharts("data-money-chart", figure, "(the numbers are in the table on this page)", { modebar: false });
})();
