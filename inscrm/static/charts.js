// InsCRM: draw every chart whose ECharts option the page embeds as JSON
// (<script type="application/json" data-chart-for="ID">), with the vendored ECharts only.
(function () {
  var charts = [];

  function draw(root) {
    if (typeof echarts === "undefined") {
      return;
    }
    root.querySelectorAll("script[type='application/json'][data-chart-for]").forEach(function (data) {
      var box = document.getElementById(data.getAttribute("data-chart-for"));
      if (!box || box.getAttribute("data-drawn")) {
        return;
      }
      var chart = echarts.init(box, null, { renderer: "svg" });
      chart.setOption(JSON.parse(data.textContent));
      box.setAttribute("data-drawn", "1");
      charts.push(chart);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // htmx swaps in a new period's dashboard: draw its charts too.
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { if (!chart.isDisposed()) { chart.resize(); } });
  });
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (chart) { if (!chart.isDisposed()) { chart.resize(); } });
  });
})();
