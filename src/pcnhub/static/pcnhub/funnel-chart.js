/* pcnhub's funnel plot, one for every page that draws one (measures-charts.js, phm-charts.js): each practice's
 * value against its denominator, with the 95% and 99.8% control limits and the centre line (England's value,
 * or the expected rate) drawn across the denominators. Load it after charts-common.js; it adds
 * window.pcnhubCharts.funnel(data, spec, container), giving {traces, layout} for charts.drawCharts:
 *   data: {points: [{code, name, n, outlier, label, ...}], limits: {n, lower95, upper95, lower998, upper998, <centre>}};
 *   spec: {value(p), hover(p)  the point's value and its hover text;
 *          hovertemplate, centre (the key of the centre line in limits), centreName, xTitle, yaxis}.
 * Practices above the 99.8% limit (outlier "high") are vermilion, below it ("low") blue, within it grey, each
 * group a legend entry. Only the outliers are labelled (their "label": the practice's name), each label put
 * where it overlaps no other label and no point, with a line to its point; every point has its name on hover.
 */
(function () {
  "use strict";
  var charts = window.pcnhubCharts;
  var GROUPS = [
    { outlier: "high", name: "Above the 99.8% limit", colour: charts.PALETTE[5] },
    { outlier: "low", name: "Below the 99.8% limit", colour: charts.PALETTE[0] },
    { outlier: "", name: "Within the limits", colour: charts.OTHER }
  ];
  var HEIGHT = 440;
  var MARGIN = { l: 70, r: 20, t: 20, b: 60 };
  var LABEL = { size: 13, charWidth: 7.4, height: 18 };
  // Where a label may go, in pixels from its point (x right, y down), tried nearest first: above and below,
  // then further out and to the sides, rows of labels apart.
  var OFFSETS = (function () {
    var found = [];
    for (var row = 1; row <= 12; row += 1) {
      [0, 60, -60, 120, -120].forEach(function (dx) {
        found.push([dx, -(row * 22 - 2)], [dx, row * 22 - 2]);
      });
    }
    return found.sort(function (a, b) {
      return (Math.abs(a[1]) + Math.abs(a[0]) / 2) - (Math.abs(b[1]) + Math.abs(b[0]) / 2);
    });
  })();

  function limitLine(n, values, name, colour, dash) {
    return {
      type: "scatter", mode: "lines", x: n, y: values, name: name, connectgaps: true,
      line: { color: colour, width: 2, dash: dash, shape: "spline" }, hoverinfo: "skip"
    };
  }

  function finite(values) {
    return values.filter(function (v) { return typeof v === "number" && isFinite(v); });
  }

  function overlaps(a, b) {
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
  }

  /* Annotations labelling ``points`` (those with a label), placed in the plot's pixels so that no two overlap
   * and none covers a point. */
  function labels(points, value, xrange, yrange, width, height, margin) {
    var plotW = Math.max(200, width - margin.l - margin.r);
    var plotH = height - margin.t - margin.b;
    var top = margin.t > MARGIN.t ? 0 : -margin.t;  // a legend above the plot: labels stay below it
    function px(p) {
      return {
        x: (p.n - xrange[0]) / (xrange[1] - xrange[0]) * plotW,
        y: (yrange[1] - value(p)) / (yrange[1] - yrange[0]) * plotH
      };
    }
    var taken = points.map(function (p) {
      var at = px(p);
      return { x0: at.x - 7, x1: at.x + 7, y0: at.y - 7, y1: at.y + 7 };
    });
    var notes = [];
    points.filter(function (p) { return p.label; }).sort(function (a, b) { return a.n - b.n; }).forEach(function (p) {
      var at = px(p);
      var w = p.label.length * LABEL.charWidth + 6;
      var box = null;
      var chosen = OFFSETS[0];
      for (var i = 0; i < OFFSETS.length; i += 1) {
        var cx = at.x + OFFSETS[i][0], cy = at.y + OFFSETS[i][1];
        var candidate = { x0: cx - w / 2, x1: cx + w / 2, y0: cy - LABEL.height / 2, y1: cy + LABEL.height / 2 };
        var inside = candidate.x0 >= -margin.l + 4 && candidate.x1 <= plotW + margin.r && candidate.y0 >= top &&
          candidate.y1 <= plotH;
        if (inside && !taken.some(function (t) { return overlaps(t, candidate); })) {
          box = candidate;
          chosen = OFFSETS[i];
          break;
        }
      }
      if (!box) {
        var fx = at.x + chosen[0], fy = at.y + chosen[1];
        box = { x0: fx - w / 2, x1: fx + w / 2, y0: fy - LABEL.height / 2, y1: fy + LABEL.height / 2 };
      }
      taken.push(box);
      notes.push({
        x: p.n, y: value(p), xref: "x", yref: "y", text: p.label, showarrow: true, arrowhead: 0, arrowwidth: 1,
        arrowcolor: "#4c6272", ax: chosen[0], ay: chosen[1], standoff: 6,
        font: { size: LABEL.size, color: "#212b32" }, bgcolor: "rgba(255,255,255,0.85)"
      });
    });
    return notes;
  }

  function funnel(data, spec, container) {
    var L = data.limits;
    var traces = [
      limitLine(L.n, L.upper998, "99.8% limits", charts.PALETTE[3], "dash"),
      limitLine(L.n, L.lower998, "99.8% lower", charts.PALETTE[3], "dash"),
      limitLine(L.n, L.upper95, "95% limits", charts.PALETTE[1], "dot"),
      limitLine(L.n, L.lower95, "95% lower", charts.PALETTE[1], "dot"),
      limitLine(L.n, L[spec.centre], spec.centreName, "#425563", "solid")
    ];
    traces[1].showlegend = false;
    traces[3].showlegend = false;
    GROUPS.forEach(function (group) {
      var mine = data.points.filter(function (p) { return (p.outlier || "") === group.outlier; });
      if (!mine.length) {
        return;
      }
      traces.push({
        type: "scatter", mode: "markers", name: group.name,
        x: mine.map(function (p) { return p.n; }), y: mine.map(spec.value), customdata: mine.map(spec.hover),
        marker: { size: 11, color: group.colour, line: { color: "#ffffff", width: 1 } },
        hovertemplate: spec.hovertemplate
      });
    });
    // Fixed ranges, so the labels can be placed where they will be drawn.
    var xs = finite(data.points.map(function (p) { return p.n; }).concat(L.n));
    var ys = finite(data.points.map(spec.value).concat(L.upper998 || [], L.lower998 || [], L.upper95 || [],
                                                        L.lower95 || [], L[spec.centre] || []));
    var xrange = [0, Math.max.apply(null, xs.concat([1])) * 1.05];
    var low = Math.min.apply(null, ys.concat(spec.yaxis.rangemode === "tozero" ? [0] : []));
    var high = Math.max.apply(null, ys);
    var pad = (high - low || Math.abs(high) || 1) * 0.08;
    var yrange = [spec.yaxis.rangemode === "tozero" && low >= 0 ? 0 : low - pad, high + pad];
    var yaxis = {};
    Object.keys(spec.yaxis).forEach(function (key) { yaxis[key] = spec.yaxis[key]; });
    yaxis.range = yrange;
    delete yaxis.rangemode;
    var width = container && container.clientWidth ? container.clientWidth : 900;
    // On a narrow screen the legend takes a row per entry: above the plot, with room made for it, so it never
    // runs into the axis title below.
    var entries = traces.filter(function (t) { return t.showlegend !== false; }).length;
    var narrow = width < 700;
    var margin = narrow ? { l: MARGIN.l, r: MARGIN.r, t: MARGIN.t + 22 * entries, b: MARGIN.b } : MARGIN;
    var height = narrow ? HEIGHT + 22 * entries : HEIGHT;
    var legend = narrow ? { orientation: "h", x: 0, xanchor: "left", y: 1, yanchor: "bottom" } : { orientation: "h", y: -0.2 };
    return {
      traces: traces,
      layout: charts.layout({
        height: height, margin: margin,
        xaxis: { title: { text: spec.xTitle }, tickformat: ",d", gridcolor: charts.GRID, range: xrange },
        yaxis: yaxis,
        annotations: labels(data.points, spec.value, xrange, yrange, width, height, margin),
        legend: legend
      })
    };
  }

  charts.funnel = funnel;
})();
