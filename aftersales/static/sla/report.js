// On-time report chart: the configuration comes from a json_script element; no inline scripts.
(function () {
  var el = document.getElementById("report-chart");
  var source = document.getElementById("report-chart-data");
  if (!el || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var names = data.names || {};
  var chart = window.echarts.init(el, null, { renderer: "canvas" });
  var narrow = el.clientWidth < 500;
  chart.setOption({
    animation: false,
    grid: { left: 44, right: 52, top: 36, bottom: narrow ? 80 : 56, containLabel: false },
    legend: { top: 0, data: [names.rate, names.target] },
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: function (items) {
        var i = items[0].dataIndex;
        var rate = data.rates[i] === null ? "—" : data.rates[i] + " %";
        return data.labels[i] + "<br>" + names.rate + ": <b>" + rate + "</b><br>" +
          names.met + ": " + data.met[i] + " · " + names.breached + ": " + data.breached[i];
      }
    },
    xAxis: {
      type: "category",
      data: data.labels,
      axisLabel: { interval: 0, rotate: narrow || data.labels.length > 6 ? 35 : 0, width: 90, overflow: "truncate" }
    },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value} %" } },
    series: [
      {
        name: names.rate,
        type: "bar",
        barMaxWidth: 48,
        data: data.rates.map(function (v) {
          return { value: v, itemStyle: { color: v !== null && v >= data.target ? "#12b76a" : "#f04438" } };
        }),
        label: { show: true, position: "top", formatter: function (p) { return p.value === null ? "" : p.value + "%"; } }
      },
      {
        name: names.target,
        type: "line",
        data: [],
        lineStyle: { type: "dashed", color: "#0b5a8a" },
        itemStyle: { color: "#0b5a8a" },
        markLine: {
          silent: true,
          symbol: "none",
          lineStyle: { type: "dashed", color: "#0b5a8a", width: 2 },
          label: { formatter: data.target + " %", position: "end", color: "#0b5a8a" },
          data: [{ yAxis: data.target }]
        }
      }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
