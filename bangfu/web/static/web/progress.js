/* Progress pages: charts (Chart.js, served from this site) fed by json_script data, and "copy" buttons
   for reminder notices. No inline scripts: everything reads data- attributes. Runs again after htmx swaps. */
(function () {
  "use strict";

  var STATUS_COLOURS = {
    done: "#2e8b57", normal: "#5aa86a", lagging: "#d9a21b", severe: "#c0392b"
  };

  function readData(canvas) {
    var source = document.getElementById(canvas.dataset.source);
    return source ? JSON.parse(source.textContent) : null;
  }

  // Value labels drawn at the end of each bar (no plugin package: a few lines on Chart.js's own hook).
  // A dataset with `valueLabels` (texts, one per bar) is labelled; on a stacked bar the label goes after
  // the last stacked dataset's end.
  var valueLabels = {
    id: "valueLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      ctx.save();
      ctx.font = "12px BangfuSans, sans-serif";
      ctx.fillStyle = "#1f2933";
      ctx.strokeStyle = "rgba(255, 255, 255, 0.9)";
      ctx.lineWidth = 3;
      ctx.lineJoin = "round";
      chart.data.datasets.forEach(function (dataset, index) {
        if (!dataset.valueLabels) { return; }
        var meta = chart.getDatasetMeta(index);
        var last = chart.getDatasetMeta(dataset.labelAfter === undefined ? index : dataset.labelAfter);
        meta.data.forEach(function (element, i) {
          var text = dataset.valueLabels[i];
          if (!text) { return; }
          var end = last.data[i] || element;
          if (chart.options.indexAxis === "y") {
            ctx.textAlign = "left";
            ctx.textBaseline = "middle";
            ctx.strokeText(text, Math.max(end.x, element.x) + 4, element.y);
            ctx.fillText(text, Math.max(end.x, element.x) + 4, element.y);
          } else {
            ctx.textAlign = "center";
            ctx.textBaseline = "bottom";
            ctx.strokeText(text, element.x, Math.min(end.y, element.y) - 2);
            ctx.fillText(text, element.x, Math.min(end.y, element.y) - 2);
          }
        });
      });
      ctx.restore();
    }
  };

  function townsChart(canvas, data) {
    var expected = data.labels.map(function () { return data.expected; });
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: "完成率（已审核）%",
            data: data.rates,
            backgroundColor: data.statuses.map(function (s) { return STATUS_COLOURS[s] || "#8899aa"; }),
            stack: "rate",
            valueLabels: data.values,
            labelAfter: 1
          },
          {
            label: "待审核 %",
            data: data.pending,
            backgroundColor: "rgba(91, 143, 209, 0.45)",
            stack: "rate"
          },
          {
            type: "line",
            label: "时序进度 %",
            data: expected,
            borderColor: "#1f2933",
            borderDash: [6, 4],
            borderWidth: 2,
            pointRadius: 0,
            fill: false
          }
        ]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true, beginAtZero: true, suggestedMax: 130, ticks: { callback: function (v) { return v + "%"; } } },
          y: { stacked: true }
        },
        plugins: { legend: { position: "bottom" } }
      },
      plugins: [valueLabels]
    });
  }

  function trendChart(canvas, data) {
    var datasets = [
      {
        type: "bar", label: "当月（万元）", data: data.monthly, backgroundColor: "#3f7fbf", stack: "month", order: 3,
        valueLabels: data.monthly.map(function (v) { return v ? String(Math.round(v)) : ""; })
      }
    ];
    if (data.pending && data.pending.length) {
      datasets.push({ type: "bar", label: "待审核（万元）", data: data.pending, backgroundColor: "rgba(91, 143, 209, 0.4)", stack: "month", order: 3 });
      datasets[0].labelAfter = 1;
    }
    datasets.push(
      { type: "line", label: "累计（万元）", data: data.cumulative, borderColor: "#2e8b57", backgroundColor: "#2e8b57", tension: 0.2, order: 1 },
      { type: "line", label: "按时序进度应完成（万元）", data: data.expected, borderColor: "#1f2933", borderDash: [6, 4], pointRadius: 0, order: 2 }
    );
    return new window.Chart(canvas, {
      data: { labels: data.labels, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: true }, y: { stacked: false, beginAtZero: true } },
        plugins: { legend: { position: "bottom" } }
      },
      plugins: [valueLabels]
    });
  }

  var BUILDERS = { towns: townsChart, trend: trendChart };

  function drawCharts(root) {
    if (!window.Chart) { return; }
    // Chinese labels: the page's font (a local one, or the one the site serves), not Chart.js's default.
    window.Chart.defaults.font.family = "BangfuSans, sans-serif";
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) { return; }
      var build = BUILDERS[canvas.dataset.chart];
      var data = readData(canvas);
      if (build && data) {
        build(canvas, data);
        canvas.dataset.drawn = "1";
      }
    });
  }

  function copyText(text, done) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
      return;
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); done(); } finally { document.body.removeChild(area); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.dataset.copy);
    if (!source) { return; }
    copyText(source.textContent, function () {
      var label = button.textContent;
      button.textContent = button.dataset.done || "✓";
      button.classList.add("done");
      window.setTimeout(function () { button.textContent = label; button.classList.remove("done"); }, 2000);
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    // A canvas draws text once: wait until the page's font is ready, or the labels stay blank boxes.
    var ready = document.fonts && document.fonts.load ? document.fonts.load("12px BangfuSans", "镇") : Promise.resolve();
    ready.then(function () { drawCharts(document); }, function () { drawCharts(document); });
  });
  document.addEventListener("htmx:afterSettle", function (event) { drawCharts(event.target); });
})();
