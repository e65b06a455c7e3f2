// Monthly parts analysis charts: the data comes from a json_script element; no inline scripts.
(function () {
  var source = document.getElementById("pa-chart-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var names = data.names || {};
  var num = function (v) { return Number(v); };
  var charts = [];
  var make = function (id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
  };
  var narrow = window.innerWidth < 576;
  make("pa-branches", {
    animation: false,
    grid: { left: 64, right: 16, top: 36, bottom: narrow ? 80 : 48 },
    legend: { top: 0, data: [names.free, names.charged] },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: {
      type: "category",
      data: data.branches.labels,
      axisLabel: { interval: 0, rotate: narrow || data.branches.labels.length > 6 ? 35 : 0, width: 90, overflow: "truncate" }
    },
    yAxis: { type: "value", axisLabel: { formatter: "¥{value}" } },
    series: [
      { name: names.free, type: "bar", stack: "cost", barMaxWidth: 40, data: data.branches.free.map(num), itemStyle: { color: "#12b76a" } },
      { name: names.charged, type: "bar", stack: "cost", barMaxWidth: 40, data: data.branches.charged.map(num), itemStyle: { color: "#0b5a8a" } }
    ]
  });
  make("pa-top", {
    animation: false,
    grid: { left: narrow ? 110 : 180, right: 24, top: 8, bottom: 24 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.top.labels, axisLabel: { width: narrow ? 100 : 170, overflow: "truncate" } },
    series: [{ name: names.quantity, type: "bar", barMaxWidth: 24, data: data.top.quantity, itemStyle: { color: "#0b5a8a" } }]
  });
  make("pa-causes", {
    animation: false,
    tooltip: { trigger: "item", formatter: "{b}: ¥{c} ({d}%)" },
    legend: { type: "scroll", bottom: 0 },
    series: [{ type: "pie", radius: narrow ? ["30%", "55%"] : ["35%", "65%"], center: ["50%", "45%"],
      data: data.causes.map(function (c) { return { name: c.name, value: num(c.value) }; }) }]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
