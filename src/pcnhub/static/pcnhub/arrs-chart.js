/* Draw the charts of a PCN's plan pages (ARRS workforce plan, access plan) with the locally served Plotly.
 *
 * Each <div data-arrs-chart="ID"> is drawn from the JSON in <script id="ID" type="application/json">
 * (written by Django's json_script), one of:
 *   {kind: "projection", title, labels: [month, ...], series: [{name, values}], even: amount | null,
 *    claimed: [amount | null, ...]}
 *     projected claims stacked by role, month by month, with the ARRS sum spread evenly over the
 *     twelve months and the claims recorded;
 *   {kind: "headcount", title, years: [...], series: [{name, values}], typical: [WTE | null, ...]}
 *     average WTE in post stacked by role, year by year, with the typical plan's total;
 *   {kind: "timetable", title, days: [...], sessions: [{day, from, to, text, counted, not_counted, agreed}],
 *    bands: [{day, from, to}], band_label}
 *     each access session as a bar across its day (hours), over the hours that count.
 * The same numbers are always in a table on the page, for screen readers and without JavaScript.
 * The roles come grouped and coloured by the server (pcnhub.pages.charts.group_series: at most five in the
 * projection and six in the headcount, so the lines take palette colours 5 and 6 and none is repeated).
 * Needs charts-common.js loaded first.
 */
(function () {
  "use strict";
  var charts = window.pcnhubCharts;
  var FONT = charts.FONT;
  var GRID = charts.GRID;
  var BACKGROUND = charts.BACKGROUND;

  function escapeHover(text) {
    return String(text).replace(/%/g, "%%");
  }

  function base(extra) {
    var layout = { font: FONT, separators: ".,", legend: { orientation: "h", y: -0.2 } };
    Object.keys(BACKGROUND).forEach(function (key) { layout[key] = BACKGROUND[key]; });
    Object.keys(extra).forEach(function (key) { layout[key] = extra[key]; });
    return layout;
  }

  function projection(data) {
    var traces = data.series.map(function (series, i) {
      return {
        type: "bar", name: series.legend || series.name, x: data.labels, y: series.values,
        marker: { color: series.colour || charts.colour(i) },
        hovertemplate: "%{x} " + escapeHover(series.name) + ": £%{y:,.2f}<extra></extra>"
      };
    });
    if (data.even !== null && data.even !== undefined) {
      traces.push({
        type: "scatter", mode: "lines", name: "ARRS sum spread evenly", x: data.labels,
        y: data.labels.map(function () { return data.even; }),
        line: { color: charts.PALETTE[6], width: 2, dash: "dash" },
        hovertemplate: "ARRS sum / 12: £%{y:,.2f}<extra></extra>"
      });
    }
    if (data.claimed.some(function (v) { return v !== null; })) {
      traces.push({
        type: "scatter", mode: "lines+markers", name: "Claimed", x: data.labels, y: data.claimed,
        line: { color: charts.PALETTE[5], width: 2 }, marker: { size: 8, symbol: "diamond" }, connectgaps: false,
        hovertemplate: "%{x} claimed: £%{y:,.2f}<extra></extra>"
      });
    }
    return {
      traces: traces,
      layout: base({
        barmode: "stack", height: 420, margin: { l: 90, r: 20, t: 10, b: 60 },
        xaxis: { type: "category" },
        yaxis: { title: { text: "Claims a month (£)" }, tickprefix: "£", tickformat: ",.0f", rangemode: "tozero", gridcolor: GRID }
      })
    };
  }

  function headcount(data) {
    var traces = data.series.map(function (series, i) {
      return {
        type: "bar", name: series.legend || series.name, x: data.years, y: series.values,
        marker: { color: series.colour || charts.colour(i) },
        hovertemplate: "%{x} " + escapeHover(series.name) + ": %{y:.2f} WTE<extra></extra>"
      };
    });
    if (data.typical.some(function (v) { return v !== null; })) {
      traces.push({
        type: "scatter", mode: "lines+markers", name: "Typical plan (scaled)", x: data.years, y: data.typical,
        line: { color: charts.PALETTE[6], width: 2, dash: "dot" }, marker: { size: 8 }, connectgaps: false,
        hovertemplate: "%{x} typical plan: %{y:.2f} WTE<extra></extra>"
      });
    }
    return {
      traces: traces,
      layout: base({
        barmode: "stack", height: 400, margin: { l: 70, r: 20, t: 10, b: 60 },
        xaxis: { type: "category" },
        yaxis: { title: { text: "Average WTE in post" }, rangemode: "tozero", gridcolor: GRID }
      })
    };
  }

  function clock(hours) {
    var h = Math.floor(hours);
    var m = Math.round((hours - h) * 60);
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }

  // Sessions that overlap on a day go in lanes side by side, so every one of them shows.
  function lanes(sessions, days) {
    var placed = [];
    days.forEach(function (day, d) {
      var ends = [];
      var mine = sessions.filter(function (s) { return s.day === day; })
        .sort(function (a, b) { return a.from - b.from || a.to - b.to; });
      mine.forEach(function (s) {
        var lane = ends.findIndex(function (end) { return end <= s.from; });
        if (lane < 0) { lane = ends.length; ends.push(0); }
        ends[lane] = s.to;
        placed.push({ session: s, day: d, lane: lane });
      });
      placed.forEach(function (p) { if (p.day === d) { p.lanes = Math.max(1, ends.length); } });
    });
    return placed.map(function (p) {
      var width = 0.8 / p.lanes;
      return { session: p.session, y: p.day - 0.4 + width * (p.lane + 0.5), width: width };
    });
  }

  function timetable(data) {
    var placed = lanes(data.sessions, data.days);
    var groups = [
      { name: "Counts in full", colour: charts.PALETTE[2], test: function (s) { return !s.not_counted && !s.agreed; } },
      { name: "Counts, commissioner-agreed", colour: charts.PALETTE[0], test: function (s) { return !s.not_counted && s.agreed; } },
      { name: "Some time does not count", colour: charts.PALETTE[5], test: function (s) { return s.not_counted; } }
    ];
    var traces = groups.map(function (group) {
      var chosen = placed.filter(function (p) { return group.test(p.session); });
      return {
        type: "bar", orientation: "h", name: group.name,
        y: chosen.map(function (p) { return p.y; }),
        width: chosen.map(function (p) { return p.width * 0.9; }),
        base: chosen.map(function (p) { return p.session.from; }),
        x: chosen.map(function (p) { return p.session.to - p.session.from; }),
        customdata: chosen.map(function (p) { return p.session.day; }),
        text: chosen.map(function (p) {
          var s = p.session;
          return s.text + ": " + s.counted + " min counted, " + s.not_counted + " not";
        }),
        textposition: "none", marker: { color: group.colour, line: { color: "#ffffff", width: 1 } },
        hovertemplate: "%{customdata} %{text}<extra></extra>"
      };
    }).filter(function (trace) { return trace.y.length; });
    var hours = [];
    data.sessions.forEach(function (s) { hours.push(s.from, s.to); });
    data.bands.forEach(function (b) { hours.push(b.from, b.to); });
    var low = Math.max(0, Math.floor(Math.min.apply(null, hours)) - 1);
    var high = Math.min(24, Math.ceil(Math.max.apply(null, hours)) + 1);
    var ticks = [];
    for (var h = low; h <= high; h += 1) { ticks.push(h); }
    var shapes = data.bands.map(function (band) {
      var i = data.days.indexOf(band.day);
      return {
        type: "rect", xref: "x", yref: "y", x0: band.from, x1: band.to, y0: i - 0.45, y1: i + 0.45,
        fillcolor: "#fff9c4", line: { color: "#ffb81c", width: 1 }, layer: "below"
      };
    });
    return {
      traces: traces,
      layout: base({
        barmode: "overlay", showlegend: true, height: 140 + 60 * data.days.length, margin: { l: 100, r: 20, t: 30, b: 60 },
        xaxis: { range: [low, high], tickvals: ticks, ticktext: ticks.map(clock), gridcolor: GRID, title: { text: "Time of day" } },
        yaxis: { range: [data.days.length - 0.5, -0.5], tickvals: data.days.map(function (d, i) { return i; }),
                 ticktext: data.days, zeroline: false, showgrid: false },
        shapes: shapes,
        annotations: [{ xref: "paper", yref: "paper", x: 0, y: 1.02, xanchor: "left", yanchor: "bottom", showarrow: false,
                        text: "Shaded: " + data.band_label, font: { size: 12, color: "#4c6272" } }]
      })
    };
  }

  var KINDS = { projection: projection, headcount: headcount, timetable: timetable };

  function figure(data) {
    var kind = KINDS[data.kind];
    return kind ? kind(data) : null;
  }

  charts.drawCharts("data-arrs-chart", figure, "(the numbers are in the table beside the chart)", { modebar: false });
})();
