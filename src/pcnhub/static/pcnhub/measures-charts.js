/* Draw pcnhub's measures charts with the locally served Plotly.
 *
 * Each <div data-measures-chart="ID"> is drawn from the JSON in <script id="ID" type="application/json">
 * (written by Django's json_script), one of:
 *   {kind: "deciles", title, unit, unit_label, months, median, deciles: [{percentile, values}],
 *    lines: [{name, values, texts, colour, lines?}]}   OpenPrescribing's deciles chart: the PCNs' deciles each month
 *     dotted (the median long-dashed, bolder), and each organisation's line in colour; a last "Other (n)" entry
 *     (pcnhub.pages.charts.group_series) holds the smaller organisations' lines, drawn thin in grey;
 *   {kind: "funnel", title, unit, unit_label, points: [{code, name, n, value, text, outlier}],
 *    limits: {n, lower95, upper95, lower998, upper998, england}}   practices against control limits.
 * A value of null (suppressed, fewer than 7, or not known) is not drawn: the line breaks there.
 * The same numbers are in a table on the page, for screen readers and without JavaScript.
 * Needs charts-common.js and funnel-chart.js loaded first.
 */
(function () {
  "use strict";
  var charts = window.pcnhubCharts;
  var GRID = charts.GRID;
  var layout = charts.layout;
  // The deciles in a dark grey, dotted (the median long-dashed), apart from the organisations' palette colours.
  var DECILE = "#425563";

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
    // The organisations in the palette's colours (the server keeps at most seven, the rest in grey as "Other").
    data.lines.forEach(function (line, i) {
      if (line.lines) {
        line.lines.forEach(function (member, j) {
          traces.push({
            type: "scatter", mode: "lines", x: data.months, y: member.values, text: member.texts,
            name: line.legend || line.name, legendgroup: "other", showlegend: j === 0, connectgaps: false,
            line: { color: line.colour || charts.OTHER, width: 1.5 },
            hovertemplate: charts.seriesName(member) + ": %{text}<extra></extra>"
          });
        });
        return;
      }
      traces.push({
        type: "scatter", mode: "lines+markers", x: data.months, y: line.values, text: line.texts, name: line.name,
        connectgaps: false, line: { color: line.colour || charts.colour(i), width: 3 }, marker: { size: 6 },
        hovertemplate: charts.seriesName(line) + ": %{text}<extra></extra>"
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

  function funnel(data, container) {
    return charts.funnel(data, {
      value: function (p) { return p.value; },
      hover: function (p) { return p.name + " (" + p.code + "): " + p.text; },
      hovertemplate: "%{customdata} of %{x:,d}<extra></extra>",
      centre: "england", centreName: "England", xTitle: "Number the value is of",
      yaxis: axis(data.unit, data.unit_label)
    }, container);
  }

  var KINDS = { deciles: deciles, funnel: funnel };

  charts.drawCharts("data-measures-chart", function (data, container) {
    var make = KINDS[data.kind];
    return make ? make(data, container) : null;
  }, "(the numbers are in the tables on this page)", { modebar: false });
})();
