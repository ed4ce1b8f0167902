/* pcnhub's funnel plot, one for every page that draws one (measures-charts.js, phm-charts.js): each practice's
 * value against its denominator, with the 95% and 99.8% control limits and the centre line (England's value,
 * or the expected rate) drawn across the denominators. Load it after charts-common.js; it adds
 * window.pcnhubCharts.funnel(data, spec), giving {traces, layout} for charts.drawCharts:
 *   data: {points: [{code, name, n, outlier, ...}], limits: {n, lower95, upper95, lower998, upper998, <centre>}};
 *   spec: {value(p), label(p), hover(p)  the point's value, the text above it and its hover text;
 *          hovertemplate, centre (the key of the centre line in limits), centreName, xTitle, yaxis}.
 * A point with outlier "high" (above the 99.8% limit) is red, "low" blue, others dark grey.
 */
(function () {
  "use strict";
  var charts = window.pcnhubCharts;
  var OUTLIERS = { high: "#d5281b", low: "#005eb8" };

  function limitLine(n, values, name, colour, dash) {
    return {
      type: "scatter", mode: "lines", x: n, y: values, name: name, connectgaps: true,
      line: { color: colour, width: 2, dash: dash, shape: "spline" }, hoverinfo: "skip"
    };
  }

  function funnel(data, spec) {
    var L = data.limits;
    var traces = [
      limitLine(L.n, L.upper998, "99.8% limits", "#8a1538", "dash"),
      limitLine(L.n, L.lower998, "99.8% lower", "#8a1538", "dash"),
      limitLine(L.n, L.upper95, "95% limits", "#ed8b00", "dot"),
      limitLine(L.n, L.lower95, "95% lower", "#ed8b00", "dot"),
      limitLine(L.n, L[spec.centre], spec.centreName, "#425563", "solid")
    ];
    traces[1].showlegend = false;
    traces[3].showlegend = false;
    traces.push({
      type: "scatter", mode: "markers+text", name: "Practices",
      x: data.points.map(function (p) { return p.n; }), y: data.points.map(spec.value),
      text: data.points.map(spec.label), textposition: "top center", customdata: data.points.map(spec.hover),
      marker: {
        size: 11, line: { color: "#ffffff", width: 1 },
        color: data.points.map(function (p) { return OUTLIERS[p.outlier] || "#212b32"; })
      },
      hovertemplate: spec.hovertemplate
    });
    return {
      traces: traces,
      layout: charts.layout({
        height: 440, margin: { l: 70, r: 20, t: 20, b: 60 },
        xaxis: { title: { text: spec.xTitle }, tickformat: ",d", gridcolor: charts.GRID, rangemode: "tozero" },
        yaxis: spec.yaxis,
        legend: { orientation: "h", y: -0.2 }
      })
    };
  }

  charts.funnel = funnel;
})();
