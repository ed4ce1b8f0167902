/* Draw the configuration designer's maps with the locally served Plotly (no tiles, no CDN).
 *
 * Each <div data-design-map="ID"> is drawn from the JSON in <script id="ID" type="application/json">,
 * {title, traces, layout}: the figure pcnhub.designer.maps.figure built on the server (network regions,
 * practices, network numbers on cartesian axes in km with equal aspect). The same networks and practices
 * are listed in the tables below each map. Needs charts-common.js loaded first.
 */
(function () {
  "use strict";
  var charts = window.pcnhubCharts;

  function figure(data) {
    var layout = Object.assign({}, data.layout, {
      font: charts.FONT,
      paper_bgcolor: charts.BACKGROUND.paper_bgcolor,
      plot_bgcolor: charts.BACKGROUND.plot_bgcolor
    });
    layout.xaxis = Object.assign({ gridcolor: charts.GRID }, data.layout.xaxis);
    layout.yaxis = Object.assign({ gridcolor: charts.GRID }, data.layout.yaxis);
    return { traces: data.traces, layout: layout };
  }

  charts.drawCharts("data-design-map", figure,
    "(a map; the networks and their practices are listed in the table below).");
})();
