/* Charts of the hub's dashboard (Apache ECharts, vendored; Vietnamese locale). The figures
   come from the page itself (the json_script "dashboard-data"), the same as its tables. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var charts = [];

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element || typeof echarts === "undefined") {
      return;
    }
    var chart = echarts.init(element, null, { locale: "VI", renderer: "canvas" });
    option.tooltip = option.tooltip || { trigger: "axis" };
    option.animation = false;
    [].concat(option.xAxis || [], option.yAxis || []).forEach(function (axis) {
      if (axis.type === "value" && axis.minInterval === undefined) {
        axis.minInterval = 1;  // counts of documents, agencies, notices: whole numbers
      }
    });
    chart.setOption(option);
    charts.push(chart);
  }

  function column(rows, index) {
    return rows.map(function (row) { return row[index]; });
  }

  draw("chart-months", {
    legend: { data: ["Gửi", "Nhận", "So với tháng đầu"] },
    xAxis: { type: "category", data: column(data.months, 0) },
    yAxis: [
      { type: "value", name: "Văn bản" },
      { type: "value", name: "Lần", minInterval: 0, splitLine: { show: false } }
    ],
    series: [
      { name: "Gửi", type: "bar", data: column(data.months, 1) },
      { name: "Nhận", type: "bar", data: column(data.months, 2) },
      { name: "So với tháng đầu", type: "line", yAxisIndex: 1, data: column(data.months, 3) }
    ]
  });

  draw("chart-levels", {
    legend: { data: ["Gửi", "Nhận"] },
    xAxis: { type: "category", data: column(data.levels, 0) },
    yAxis: { type: "value", name: "Văn bản" },
    series: [
      { name: "Gửi", type: "bar", data: column(data.levels, 1) },
      { name: "Nhận", type: "bar", data: column(data.levels, 2) }
    ]
  });

  if (data.agencies.length) {
    var agencies = data.agencies.slice().reverse();
    draw("chart-agencies", {
      legend: { data: ["Gửi", "Nhận"] },
      grid: { left: 260 },
      yAxis: { type: "category", data: column(agencies, 0) },
      xAxis: { type: "value", name: "Văn bản" },
      series: [
        { name: "Gửi", type: "bar", stack: "total", data: column(agencies, 1) },
        { name: "Nhận", type: "bar", stack: "total", data: column(agencies, 2) }
      ]
    });
  }

  draw("chart-connected", {
    legend: { data: ["Đã đăng ký", "Đã kết nối"] },
    xAxis: { type: "category", data: column(data.connected, 0) },
    yAxis: { type: "value", name: "Cơ quan" },
    series: [
      { name: "Đã đăng ký", type: "bar", data: column(data.connected, 1) },
      { name: "Đã kết nối", type: "bar", data: column(data.connected, 2),
        label: { show: true, position: "top", formatter: function (p) {
          var share = data.connected[p.dataIndex][3];
          return share === null ? "" : share + " %";
        } } }
    ]
  });

  draw("chart-states", {
    tooltip: { trigger: "item" },
    legend: { orient: "vertical", left: "left" },
    series: [{
      name: "Lượt giao", type: "pie", radius: ["35%", "65%"],
      data: data.states
        .filter(function (row) { return row[1] > 0; })
        .map(function (row) { return { name: row[0], value: row[1] }; })
    }]
  });

  draw("chart-codes", {
    grid: { left: 220 },
    yAxis: { type: "category", data: column(data.codes, 0).reverse() },
    xAxis: { type: "value", name: "Thông báo" },
    series: [{ name: "Thông báo", type: "bar", data: column(data.codes, 1).reverse() }]
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
