/* Draw pcnhub's population health charts with the locally served Plotly.
 *
 * Each <div data-phm-chart="ID"> is drawn from the JSON in <script id="ID" type="application/json">
 * (written by Django's json_script), one of:
 *   {kind: "segments", title, labels, values, texts}      patients by population segment (bars);
 *   {kind: "pyramid", title, bands, series: [{category, label, men, women, men_text, women_text, colour}]}
 *     patients aged 65+ by age band: men to the left, women to the right, stacked by eFI category;
 *   {kind: "risk", title, labels, values, texts, colours}   patients by risk tier, drawn as a pyramid.
 * The eFI categories and the risk tiers are ordered: each colour ({fill, text, edge}) is a shade of the one
 * sequential scale the server picks (pcnhub.pages.charts.ordinal_colours: lightest for fit and low risk,
 * darkest for severe frailty and highest need), so the order reads without telling red from green.
 *   {kind: "funnel", title, measure, points: [{code, name, n, rate, outlier, label}],
 *    limits: {n, target, lower95, upper95, lower998, upper998}}   practice rate against list (funnel plot);
 *   {kind: "bars", title, labels, values, texts}          the chosen measure by a breakdown (per cent);
 *   {kind: "compare", title, labels, values, texts, average, average_label}   PCNs side by side (per cent).
 * A value of null is a suppressed count (1 to 6 patients): it is not drawn, and its hover text says so.
 * The same numbers are always in a table on the page, for screen readers and without JavaScript.
 * Needs charts-common.js and funnel-chart.js loaded first.
 */
(function () {
  "use strict";
  var charts = window.pcnhubCharts;
  var GRID = charts.GRID;
  var layout = charts.layout;

  function hbar(labels, values, texts, colour, axisTitle) {
    return {
      type: "bar", orientation: "h", x: values, y: labels, text: texts, textposition: "none",
      marker: { color: colour }, hovertemplate: "%{y}: %{text}<extra></extra>", name: axisTitle
    };
  }

  // Write "suppressed" where a bar is missing because its count is 1 to 6.
  function suppressedNotes(labels, values, horizontal) {
    var notes = [];
    values.forEach(function (v, i) {
      if (v === null) {
        var note = { text: "suppressed (fewer than 7)", showarrow: false, font: { size: 12, color: "#4c6272" } };
        if (horizontal) {
          note.x = 0; note.y = labels[i]; note.xanchor = "left";
        } else {
          note.x = labels[i]; note.y = 0; note.yanchor = "bottom"; note.textangle = -90;
        }
        notes.push(note);
      }
    });
    return notes;
  }

  function segments(data) {
    return {
      traces: [hbar(data.labels, data.values, data.texts, "#005eb8", "Patients")],
      layout: layout({
        height: Math.max(260, 60 + 40 * data.labels.length), margin: { l: 280, r: 20, t: 10, b: 50 },
        xaxis: { title: { text: "Patients" }, tickformat: ",d", rangemode: "tozero", gridcolor: GRID },
        yaxis: { type: "category", automargin: true, autorange: "reversed" }, showlegend: false,
        annotations: suppressedNotes(data.labels, data.values, true)
      })
    };
  }

  function pyramid(data) {
    var biggest = 1;
    var men = data.bands.map(function () { return 0; });
    var women = men.slice();
    data.series.forEach(function (s) {
      s.men.forEach(function (v, i) { men[i] += v || 0; });
      s.women.forEach(function (v, i) { women[i] += v || 0; });
    });
    biggest = Math.max(1, Math.max.apply(null, men.concat(women)));
    var traces = [];
    data.series.forEach(function (s) {
      var colour = { color: s.colour.fill, line: { color: s.colour.edge, width: 1 } };
      traces.push({
        type: "bar", orientation: "h", name: s.label, legendgroup: s.category, y: data.bands,
        x: s.men.map(function (v) { return v === null ? null : -v; }), customdata: s.men_text,
        marker: colour, hovertemplate: "Men %{y}, " + s.label + ": %{customdata}<extra></extra>"
      });
      traces.push({
        type: "bar", orientation: "h", name: s.label, legendgroup: s.category, showlegend: false, y: data.bands,
        x: s.women, customdata: s.women_text, marker: colour,
        hovertemplate: "Women %{y}, " + s.label + ": %{customdata}<extra></extra>"
      });
    });
    var step = Math.pow(10, Math.floor(Math.log10(biggest)));
    if (biggest / step < 3) {
      step = step / 2;
    }
    var ticks = [];
    for (var t = -Math.ceil(biggest / step) * step; t <= biggest + step / 2; t += step) {
      ticks.push(t);
    }
    return {
      traces: traces,
      layout: layout({
        barmode: "relative", bargap: 0.1, height: 420, margin: { l: 70, r: 20, t: 30, b: 60 },
        xaxis: {
          title: { text: "Men          Patients          Women" }, tickvals: ticks,
          ticktext: ticks.map(function (v) { return Math.abs(v).toLocaleString("en-GB"); }),
          range: [-biggest * 1.08, biggest * 1.08], gridcolor: GRID, zeroline: true, zerolinecolor: "#425563"
        },
        yaxis: { type: "category", title: { text: "Age band" } },
        legend: { orientation: "h", y: 1.08, traceorder: "normal" }
      })
    };
  }

  function risk(data) {
    var widest = Math.max.apply(null, data.values.map(function (v) { return v || 0; }));
    return {
      traces: [{
        type: "funnel", y: data.labels, x: data.values.map(function (v) { return v === null ? 0 : v; }),
        text: data.texts, textinfo: "text", customdata: data.texts,
        // Beside the bar, so narrow tiers stay readable; inside the widest, which fills the width.
        textposition: data.values.map(function (v) { return v && v > widest * 0.6 ? "inside" : "outside"; }),
        marker: {
          color: data.colours.map(function (c) { return c.fill; }),
          line: { color: data.colours.map(function (c) { return c.edge; }), width: 1 }
        },
        insidetextfont: { color: data.colours.map(function (c) { return c.text; }) },
        connector: { fillcolor: "#e8edee", line: { color: "#d8dde0", width: 1 } },
        hovertemplate: "%{y}: %{customdata}<extra></extra>"
      }],
      layout: layout({ height: 340, margin: { l: 130, r: 20, t: 10, b: 20 }, showlegend: false })
    };
  }

  function funnel(data, container) {
    return charts.funnel(data, {
      value: function (p) { return p.rate; },
      hover: function (p) { return p.name + " (" + p.code + ")"; },
      hovertemplate: "%{customdata}: %{y:.1f}% of %{x:,d}<extra></extra>",
      centre: "target", centreName: "Expected", xTitle: "Patients the rate is of",
      yaxis: { title: { text: "Per cent" }, ticksuffix: "%", gridcolor: GRID }
    }, container);
  }

  function bars(data) {
    return {
      traces: [{
        type: "bar", x: data.labels, y: data.values, text: data.texts, customdata: data.texts,
        textposition: "none", marker: { color: "#005eb8" }, hovertemplate: "%{x}: %{customdata}<extra></extra>"
      }],
      layout: layout({
        height: 360, margin: { l: 70, r: 20, t: 10, b: 90 },
        xaxis: { type: "category", automargin: true },
        yaxis: { title: { text: "Per cent" }, ticksuffix: "%", rangemode: "tozero", gridcolor: GRID },
        showlegend: false, annotations: suppressedNotes(data.labels, data.values, false)
      })
    };
  }

  function compare(data) {
    var shapes = [];
    var annotations = [];
    if (data.average !== null && data.average !== undefined) {
      shapes.push({
        type: "line", yref: "paper", y0: 0, y1: 1, x0: data.average, x1: data.average,
        line: { color: "#768692", width: 2, dash: "dash" }
      });
      annotations.push({
        yref: "paper", y: 1, x: data.average, yanchor: "bottom", showarrow: false,
        text: data.average_label + " " + data.average.toFixed(1) + "%", font: { size: 12, color: "#4c6272" }
      });
    }
    annotations = annotations.concat(suppressedNotes(data.labels, data.values, true));
    return {
      traces: [hbar(data.labels, data.values, data.texts, "#005eb8", "Per cent")],
      layout: layout({
        height: Math.max(260, 70 + 30 * data.labels.length), margin: { l: 280, r: 20, t: 30, b: 50 },
        xaxis: { title: { text: "Per cent" }, ticksuffix: "%", rangemode: "tozero", gridcolor: GRID },
        yaxis: { type: "category", automargin: true, autorange: "reversed" },
        shapes: shapes, annotations: annotations, showlegend: false
      })
    };
  }

  var KINDS = { segments: segments, pyramid: pyramid, risk: risk, funnel: funnel, bars: bars, compare: compare };

  charts.drawCharts("data-phm-chart", function (data, container) {
    var make = KINDS[data.kind];
    return make ? make(data, container) : null;
  }, "(the numbers are in the table on this page)", { modebar: false });
})();
