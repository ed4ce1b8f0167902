/* Draw pcnhub's maturity charts with the locally served Plotly.
 *
 * Each <div data-maturity-chart="ID"> is drawn from the JSON in <script id="ID" type="application/json">
 * (written by Django's json_script), one of:
 *   {kind: "bar", title, labels: [domain...], values: [steps reached 0-4], texts: [step name...], ticks}
 *     a horizontal bar per domain: how far the assessment has climbed;
 *   {kind: "progress", title, dates: [...], series: [{name, values, texts}], ticks}
 *     a line per domain: the step reached at each dated assessment;
 *   {kind: "heatmap", title, domains: [...], pcns: [...], values: [[...]], texts: [[...]], ticks}
 *     the PCNs of an ICB by domain, coloured by step reached with the step written in each cell.
 * The same steps are always in a table on the page, for screen readers and without JavaScript.
 */
(function () {
  "use strict";
  var COLOURS = ["#005eb8", "#007f3b", "#ed8b00", "#330072", "#ae2573", "#00a499", "#768692", "#8a1538"];
  // The heatmap's scale: the same colours as the table cells (pcnhub-heat--0 .. 4).
  var HEAT = ["#fde2d6", "#fff3c4", "#d5ecd4", "#8fcf8f", "#007f3b"];
  var FONT = { family: "Frutiger W01, Arial, sans-serif", size: 14, color: "#212b32" };

  function stepAxis(ticks) {
    return {
      tickvals: ticks.map(function (_, i) { return i; }), ticktext: ticks,
      range: [-0.2, ticks.length - 0.8], gridcolor: "#e8edee", zeroline: false
    };
  }

  function bar(data) {
    var trace = {
      type: "bar", orientation: "h", x: data.values, y: data.labels, text: data.texts,
      textposition: "auto", marker: { color: "#005eb8" },
      hovertemplate: "%{y}: %{text}<extra></extra>"
    };
    var xaxis = stepAxis(data.ticks);
    xaxis.range = [0, data.ticks.length - 0.9];
    return {
      traces: [trace],
      layout: {
        font: FONT, height: Math.max(260, 70 + 48 * data.labels.length),
        margin: { l: 300, r: 20, t: 10, b: 60 },
        xaxis: xaxis, yaxis: { type: "category", automargin: true, autorange: "reversed" },
        showlegend: false, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff"
      }
    };
  }

  function progress(data) {
    var traces = data.series.map(function (series, i) {
      return {
        type: "scatter", mode: "lines+markers", name: series.name, x: data.dates, y: series.values,
        text: series.texts, line: { color: COLOURS[i % COLOURS.length], width: 3 },
        hovertemplate: "%{x}: %{fullData.name}, %{text}<extra></extra>"
      };
    });
    return {
      traces: traces,
      layout: {
        font: FONT, height: 420, margin: { l: 160, r: 20, t: 10, b: 40 },
        xaxis: { type: "date", title: { text: "Assessment as of" }, gridcolor: "#e8edee" },
        yaxis: stepAxis(data.ticks), legend: { orientation: "h", y: -0.2 },
        paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff"
      }
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

  function heatmap(data) {
    var top = data.ticks.length - 1;
    var texts = data.texts.map(function (row, i) {
      return row.map(function (text, j) { return data.values[i][j] === 0 ? "Not yet" : text; });
    });
    var scale = HEAT.map(function (colour, i) { return [i / top, colour]; });
    var trace = {
      type: "heatmap", x: data.domains.map(function (d) { return wrap(d, 16); }), y: data.pcns, z: data.values,
      text: texts, customdata: data.texts,
      texttemplate: "%{text}", zmin: 0, zmax: top, colorscale: scale, xgap: 2, ygap: 2,
      colorbar: { tickvals: data.ticks.map(function (_, i) { return i; }), ticktext: data.ticks, title: { text: "Step reached" } },
      hovertemplate: "%{y}: %{customdata}<extra></extra>"
    };
    return {
      traces: [trace],
      layout: {
        font: FONT, height: Math.max(340, 160 + 44 * data.pcns.length),
        margin: { l: 260, r: 20, t: 10, b: 90 },
        xaxis: { type: "category", tickangle: 0, automargin: true },
        yaxis: { type: "category", automargin: true, autorange: "reversed" },
        paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff"
      }
    };
  }

  var KINDS = { bar: bar, progress: progress, heatmap: heatmap };

  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-maturity-chart"));
    if (!source || !window.Plotly) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var make = KINDS[data.kind];
    if (!make) {
      return;
    }
    var figure = make(data);
    container.setAttribute("role", "img");
    container.setAttribute("aria-label", data.title + " (the steps are in the table on this page)");
    window.Plotly.newPlot(container, figure.traces, figure.layout, { displaylogo: false, responsive: true });
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-maturity-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
