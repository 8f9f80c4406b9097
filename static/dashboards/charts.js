/* Draws the dashboard charts from the JSON block the page carries (json_script "dashboard-charts").
   Chart.js comes from npm (static/vendor/chart.umd.js, copied by `make install`); without it the
   tables under each chart still show every figure, so the page works without JavaScript too. */
(function () {
  "use strict";
  var block = document.getElementById("dashboard-charts");
  if (!block || typeof window.Chart === "undefined") {
    document.querySelectorAll(".dash-chart").forEach(function (el) { el.hidden = true; });
    return;
  }
  var charts = JSON.parse(block.textContent);
  var palette = ["#1f5f8b", "#e0a030", "#c0392b", "#3a8d5c", "#7d5ba6", "#5f7d8c", "#b5651d"];
  var narrow = window.matchMedia("(max-width: 640px)").matches;

  document.querySelectorAll(".dash-chart[data-chart]").forEach(function (holder) {
    var spec = charts[holder.getAttribute("data-chart")];
    if (!spec) { holder.hidden = true; return; }
    var stacked = spec.type === "stacked";
    var series = spec.series;  // the page chose which columns to draw (one unit per chart)
    var horizontal = narrow && spec.labels.length > 4;
    var category = { stacked: stacked, ticks: { autoSkip: false, maxRotation: 45 } };
    var value = { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } };
    new window.Chart(holder.querySelector("canvas"), {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: series.map(function (s, i) {
          return { label: s.label, data: s.values, backgroundColor: palette[i % palette.length], borderRadius: 3 };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        animation: false,
        plugins: { legend: { display: series.length > 1, position: "bottom" } },
        scales: horizontal ? { x: value, y: category } : { x: category, y: value }
      }
    });
  });
})();
