/* Draw pcnhub's maturity charts with the locally served Plotly.
 *
 * Each <div data-maturity-chart="ID"> is drawn from the JSON in <script id="ID" type="application/json">
 * (written by Django's json_script), one of:
 *   {kind: "bar", title, labels: [domain...], values: [steps reached 0-4], texts: [step name...], ticks}
 *     a horizontal bar per domain: how far the assessment has climbed;
 *   {kind: "progress", title, dates: [...], series: [{name, values, texts}], ticks}
 *     a line per domain: the step reached at each dated assessment;
 *   {kind: "heatmap", title, domains: [...], pcns: [...], values: [[...]], texts: [[...]], ticks, scale: [{fill, text}]}
 *     the PCNs of an ICB by domain, coloured by step reached (an ordinal scale of one hue, light to dark, whose
 *     legend names the steps) with the step written in each cell in a colour readable on it.
 * The same steps are always in a table on the page, for screen readers and without JavaScript.
 * Needs charts-common.js loaded first.
 */
(function () {
  "use strict";
  var charts = window.pcnhubCharts;
  var GRID = charts.GRID;
  // Progress lines: each domain its palette colour, marker shape and dash, so lines that share a step stay apart.
  var SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star", "cross", "triangle-down"];
  var DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "solid", "dash", "dot"];

  function stepAxis(ticks) {
    return {
      tickvals: ticks.map(function (_, i) { return i; }), ticktext: ticks,
      range: [-0.35, ticks.length - 0.65], gridcolor: GRID, zeroline: false
    };
  }

  function bar(data) {
    var trace = {
      type: "bar", orientation: "h", x: data.values, y: data.labels, text: data.texts,
      textposition: "auto", marker: { color: charts.PALETTE[0] },
      hovertemplate: "%{y}: %{text}<extra></extra>"
    };
    var xaxis = stepAxis(data.ticks);
    xaxis.range = [0, data.ticks.length - 0.9];
    return {
      traces: [trace],
      layout: charts.layout({
        height: Math.max(260, 70 + 48 * data.labels.length),
        margin: { l: 300, r: 20, t: 10, b: 60 },
        xaxis: xaxis, yaxis: { type: "category", automargin: true, autorange: "reversed" },
        showlegend: false
      })
    };
  }

  /* A line per domain. Domains at the same step would hide each other, so each is drawn a little above or below
   * the step (never beyond a quarter of the way to the next); hover gives the step itself. */
  function progress(data) {
    var count = data.series.length;
    var spread = Math.min(0.3, 0.075 * (count - 1));
    var traces = data.series.map(function (series, i) {
      var shift = count > 1 ? -spread / 2 + spread * i / (count - 1) : 0;
      return {
        type: "scatter", mode: "lines+markers", name: series.name, x: data.dates,
        y: series.values.map(function (v) { return v === null ? null : v + shift; }),
        text: series.texts,
        line: { color: charts.colour(i), width: 3, dash: DASHES[i % DASHES.length] },
        marker: { size: 10, symbol: SYMBOLS[i % SYMBOLS.length], color: charts.colour(i), line: { color: "#ffffff", width: 1 } },
        hovertemplate: "%{x|%d %b %Y}: " + String(series.name).replace(/%/g, "%%") + ", %{text}<extra></extra>"
      };
    });
    return {
      traces: traces,
      layout: charts.layout({
        height: 460, margin: { l: 160, r: 20, t: 10, b: 60 },
        xaxis: { type: "date", title: { text: "Assessment as of", standoff: 8 }, gridcolor: GRID },
        yaxis: stepAxis(data.ticks), legend: { orientation: "h", y: -0.25, yanchor: "top" }
      })
    };
  }

  // Long domain names over several lines, so the columns stay readable.
  function wrap(label, width) {
    var lines = [], line = "";
    label.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    lines.push(line);
    return lines.join("<br>");
  }

  /* The steps as discrete bands of one hue (light to dark), the colour bar naming each step at its band's middle;
   * each cell's step written over it as an annotation in the text colour readable on that band. */
  function heatmap(data) {
    var levels = data.ticks.length;
    var scale = data.scale || charts.STEPS.slice(0, levels).map(function (fill, i) {
      return { fill: fill, text: charts.STEP_TEXT[i] };
    });
    var colorscale = [];
    scale.forEach(function (step, i) {
      colorscale.push([i / levels, step.fill], [(i + 1) / levels, step.fill]);
    });
    var columns = data.domains.map(function (d) { return wrap(d, 16); });
    var annotations = [];
    data.values.forEach(function (row, i) {
      row.forEach(function (value, j) {
        if (value === null || value === undefined) {
          return;
        }
        annotations.push({
          x: columns[j], y: data.pcns[i], xref: "x", yref: "y", showarrow: false,
          text: value === 0 ? "Not yet" : data.texts[i][j],
          font: { size: 13, color: scale[Math.max(0, Math.min(levels - 1, value))].text }
        });
      });
    });
    var trace = {
      type: "heatmap", x: columns, y: data.pcns, z: data.values, customdata: data.texts,
      zmin: -0.5, zmax: levels - 0.5, colorscale: colorscale, xgap: 2, ygap: 2,
      colorbar: {
        tickvals: data.ticks.map(function (_, i) { return i; }), ticktext: data.ticks, ticks: "",
        title: { text: "Step reached" }, outlinecolor: "#768692", outlinewidth: 1, len: Math.min(1, 320 / (160 + 44 * data.pcns.length) + 0.3)
      },
      hovertemplate: "%{y}, %{x}: %{customdata}<extra></extra>"
    };
    return {
      traces: [trace],
      layout: charts.layout({
        height: Math.max(360, 160 + 44 * data.pcns.length),
        margin: { l: 260, r: 20, t: 10, b: 90 },
        xaxis: { type: "category", tickangle: 0, automargin: true, side: "bottom" },
        yaxis: { type: "category", automargin: true, autorange: "reversed" },
        annotations: annotations
      })
    };
  }

  var KINDS = { bar: bar, progress: progress, heatmap: heatmap };

  charts.drawCharts("data-maturity-chart", function (data) {
    var make = KINDS[data.kind];
    return make ? make(data) : null;
  }, "(the steps are in the table on this page)", { modebar: false });
})();
