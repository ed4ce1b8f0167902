/* Draw pcnhub's measures charts with the locally served Plotly.
 *
 * Each <div data-measures-chart="ID"> is drawn from the JSON in <script id="ID" type="application/json">
 * (written by Django's json_script), one of:
 *   {kind: "deciles", title, unit, unit_label, months, median, deciles: [{percentile, values}],
 *    lines: [{name, values, texts}]}   OpenPrescribing's deciles chart: the PCNs' deciles each month dashed
 *     (the median bolder), and each organisation's line in colour;
 *   {kind: "funnel", title, unit, unit_label, points: [{code, name, n, value, text, outlier}],
 *    limits: {n, lower95, upper95, lower998, upper998, england}}   practices against control limits.
 * A value of null (suppressed, fewer than 7, or not known) is not drawn: the line breaks there.
 * The same numbers are in a table on the page, for screen readers and without JavaScript.
 * Needs charts-common.js and funnel-chart.js loaded first.
 */
(function () {
  "use strict";
  var charts = window.pcnhubCharts;
  var COLOURS = charts.COLOURS;
  var GRID = charts.GRID;
  var layout = charts.layout;
  var DECILE = "#005eb8";

  function axis(unit, label) {
    var a = { title: { text: label }, gridcolor: GRID, rangemode: "tozero" };
    if (unit === "percent") { a.ticksuffix = "%"; }
    if (unit === "gbp_per_patient" || unit === "gbp") { a.tickprefix = "£"; }
    return a;
  }

  function deciles(data) {
    var traces = data.deciles.map(function (d) {
      var median = d.percentile === data.median;
      return {
        type: "scatter", mode: "lines", x: data.months, y: d.values, connectgaps: false,
        name: median ? "Median of PCNs" : "Deciles of PCNs", legendgroup: median ? "median" : "deciles",
        showlegend: median || d.percentile === data.deciles[0].percentile,
        line: { color: DECILE, width: median ? 2.5 : 1, dash: median ? "longdash" : "dot" },
        hovertemplate: d.percentile + "th percentile: %{y:,.2f}<extra></extra>"
      };
    });
    // The organisations after NHS blue, so they stand apart from the deciles.
    data.lines.forEach(function (line, i) {
      traces.push({
        type: "scatter", mode: "lines+markers", x: data.months, y: line.values, text: line.texts, name: line.name,
        connectgaps: false, line: { color: COLOURS[(i + 5) % COLOURS.length], width: 3 }, marker: { size: 5 },
        hovertemplate: line.name + ": %{text}<extra></extra>"
      });
    });
    return {
      traces: traces,
      layout: layout({
        height: 380, margin: { l: 70, r: 20, t: 10, b: 40 },
        xaxis: { type: "date", tickformat: "%b %Y", gridcolor: GRID },
        yaxis: axis(data.unit, data.unit_label),
        legend: { orientation: "h", y: -0.15 }
      })
    };
  }

  function funnel(data) {
    return charts.funnel(data, {
      value: function (p) { return p.value; },
      label: function (p) { return p.code; },
      hover: function (p) { return p.name + " (" + p.code + "): " + p.text; },
      hovertemplate: "%{customdata} of %{x:,d}<extra></extra>",
      centre: "england", centreName: "England", xTitle: "Number the value is of",
      yaxis: axis(data.unit, data.unit_label)
    });
  }

  var KINDS = { deciles: deciles, funnel: funnel };

  charts.drawCharts("data-measures-chart", function (data) {
    var make = KINDS[data.kind];
    return make ? make(data) : null;
  }, "(the numbers are in the tables on this page)");
})();
