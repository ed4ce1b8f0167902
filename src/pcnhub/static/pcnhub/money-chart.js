/* Draw pcnhub's network money charts with the locally served Plotly.
 *
 * Each <div data-money-chart="ID"> is drawn from the JSON in <script id="ID" type="application/json">
 * (written by Django's json_script), one of:
 *   {kind: "stacked", title, years: [...], series: [{name, values: [amount | null, ...]}]}
 *     a stacked bar of each year's payments;
 *   {kind: "hbar", title, labels: [...], values: [...], average, average_label}
 *     a horizontal bar per organisation (amount per registered patient) with the average marked.
 * The same numbers are always in a table on the page, for screen readers and without JavaScript.
 */
(function () {
  "use strict";
  // NHS identity colours, in an order that keeps neighbouring payments apart.
  var COLOURS = [
    "#005eb8", "#41b6e6", "#007f3b", "#ffb81c", "#330072", "#ae2573", "#ed8b00", "#00a499",
    "#768692", "#003087", "#78be20", "#8a1538"
  ];
  var FONT = { family: "Frutiger W01, Arial, sans-serif", size: 14, color: "#212b32" };

  function pounds(value) {
    return "£" + value.toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function stacked(data) {
    var traces = data.series.map(function (series, i) {
      return {
        type: "bar", name: series.name, x: data.years, y: series.values,
        marker: { color: COLOURS[i % COLOURS.length] },
        hovertemplate: "%{x} %{fullData.name}: £%{y:,.2f}<extra></extra>"
      };
    }).filter(function (trace) {
      return trace.y.some(function (v) { return v; });
    });
    var layout = {
      barmode: "stack", font: FONT, height: 420, separators: ".,",
      margin: { l: 90, r: 20, t: 10, b: 40 },
      xaxis: { type: "category" },
      yaxis: { title: { text: "Entitlement (£)" }, tickprefix: "£", tickformat: ",.0f", rangemode: "tozero", gridcolor: "#e8edee" },
      legend: { orientation: "h", y: -0.15 },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff"
    };
    return { traces: traces, layout: layout };
  }

  function hbar(data) {
    var trace = {
      type: "bar", orientation: "h", x: data.values, y: data.labels,
      marker: { color: "#005eb8" },
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
      xaxis: { title: { text: "£ per registered patient" }, tickprefix: "£", tickformat: ",.2f", rangemode: "tozero", gridcolor: "#e8edee" },
      yaxis: { type: "category", automargin: true },
      shapes: shapes, annotations: annotations, showlegend: false,
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff"
    };
    return { traces: [trace], layout: layout };
  }

  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-money-chart"));
    if (!source || !window.Plotly) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var figure = data.kind === "hbar" ? hbar(data) : stacked(data);
    if (!figure.traces.length || (data.kind === "hbar" && !data.values.length)) {
      return;
    }
    container.setAttribute("role", "img");
    container.setAttribute("aria-label", data.title + " (the numbers are in the table on this page)");
    window.Plotly.newPlot(container, figure.traces, figure.layout, { displaylogo: false, responsive: true });
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-money-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
