// Dashboard charts (Chart.js from static/vendor/, see scripts/setup). Data comes from the
// page's JSON block: no inline script, as the content security policy requires.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var red = "#b42318";
  var blue = "#1d4ed8";
  var grey = "#9ca3af";
  var common = { responsive: true, maintainAspectRatio: false, animation: false };

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) {
      new window.Chart(canvas, config);
    }
  }

  draw("chart-progress", {
    type: "bar",
    data: {
      labels: data.progress.labels,
      datasets: [
        { type: "bar", label: "当月完成检查", data: data.progress.done, backgroundColor: blue },
        { type: "line", label: "累计", data: data.progress.cumulative, borderColor: grey, yAxisID: "y1" }
      ]
    },
    options: Object.assign({}, common, {
      scales: { y: { beginAtZero: true }, y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } }
    })
  });

  draw("chart-finds", {
    type: "bar",
    data: { labels: data.finds.labels, datasets: [{ label: "每百户次发现问题", data: data.finds.values, backgroundColor: red }] },
    options: Object.assign({}, common, { scales: { y: { beginAtZero: true } } })
  });

  var goal = data.coverage.goal;
  draw("chart-coverage", {
    type: "bar",
    data: {
      labels: data.coverage.labels,
      datasets: [{
        label: "覆盖率（%）",
        data: data.coverage.values,
        backgroundColor: data.coverage.values.map(function (v) { return v < goal ? red : blue; })
      }]
    },
    options: Object.assign({}, common, { indexAxis: "y", scales: { x: { beginAtZero: true } } })
  });
})();
