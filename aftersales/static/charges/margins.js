// Cost against revenue chart: the data comes from a json_script element; no inline scripts.
(function () {
  var el = document.getElementById("margins-chart");
  var source = document.getElementById("margins-chart-data");
  if (!el || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var names = data.names || {};
  var num = function (v) { return Number(v); };
  var chart = window.echarts.init(el, null, { renderer: "canvas" });
  var narrow = el.clientWidth < 500;
  chart.setOption({
    animation: false,
    grid: { left: 64, right: 16, top: 36, bottom: narrow ? 80 : 48 },
    legend: { top: 0, data: [names.cost, names.revenue, names.margin] },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: {
      type: "category",
      data: data.labels,
      axisLabel: { interval: 0, rotate: narrow || data.labels.length > 6 ? 35 : 0, width: 90, overflow: "truncate" }
    },
    yAxis: { type: "value", axisLabel: { formatter: "¥{value}" } },
    series: [
      { name: names.cost, type: "bar", barMaxWidth: 40, data: data.cost.map(num), itemStyle: { color: "#98a2b3" } },
      { name: names.revenue, type: "bar", barMaxWidth: 40, data: data.revenue.map(num), itemStyle: { color: "#0b5a8a" } },
      { name: names.margin, type: "line", data: data.margin.map(num), itemStyle: { color: "#12b76a" }, lineStyle: { width: 2 } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
