/* Report charts: every element with data-chart="<id>" is drawn with ECharts from the JSON in
   <script type="application/json" id="<id>"> (written by Django's json_script, so no inline
   script runs: CSP forbids it). Spec: {type: bar|hbar|stacked|line|pie, categories, series:
   [{name, data}], unit: "%"|"h"|"", max}. The table under each chart holds the same numbers. */
(function () {
  "use strict";

  var PALETTE = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997", "#6c757d",
    "#ffc107", "#0dcaf0", "#dc3545"];

  function suffix(unit) {
    if (unit === "%") return "%";
    if (unit === "h") return " h";
    return "";
  }

  function valueAxis(spec) {
    var axis = { type: "value", axisLabel: { formatter: "{value}" + suffix(spec.unit) } };
    if (spec.max) axis.max = spec.max;
    return axis;
  }

  function narrow(el) {
    return el.clientWidth < 480;
  }

  function optionFor(spec, el) {
    var unit = suffix(spec.unit);
    var tooltip = {
      trigger: spec.type === "pie" ? "item" : "axis",
      valueFormatter: function (v) { return v === null || v === undefined ? "-" : v + unit; }
    };
    var legend = { type: "scroll", bottom: 0, show: (spec.series || []).length > 1 || spec.type === "pie" };
    if (spec.type === "pie") {
      var s = spec.series[0];
      return {
        color: PALETTE,
        tooltip: tooltip,
        legend: legend,
        series: [{
          name: s.name,
          type: "pie",
          radius: narrow(el) ? ["30%", "60%"] : ["35%", "65%"],
          center: ["50%", "45%"],
          label: { formatter: "{b}: {c} ({d}%)" },
          data: spec.categories.map(function (c, i) { return { name: c, value: s.data[i] }; })
            .filter(function (d) { return d.value; })
        }]
      };
    }
    var horizontal = spec.type === "hbar";
    var categoryAxis = {
      type: "category",
      data: spec.categories,
      inverse: horizontal,
      axisLabel: { interval: horizontal ? 0 : "auto", hideOverlap: true, width: 110, overflow: "truncate" }
    };
    var series = spec.series.map(function (s) {
      return {
        name: s.name,
        type: spec.type === "line" ? "line" : "bar",
        stack: spec.type === "stacked" ? "total" : undefined,
        data: s.data,
        connectNulls: true,
        smooth: spec.type === "line",
        barMaxWidth: 36,
        emphasis: { focus: "series" }
      };
    });
    return {
      color: PALETTE,
      tooltip: tooltip,
      legend: legend,
      grid: { left: 8, right: 16, top: 16, bottom: legend.show ? 40 : 8, containLabel: true },
      xAxis: horizontal ? valueAxis(spec) : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis(spec),
      series: series
    };
  }

  function draw() {
    if (typeof window.echarts === "undefined") return;
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) return;
      var spec;
      try { spec = JSON.parse(source.textContent); } catch (e) { return; }
      if (spec.type === "hbar") {
        el.style.height = Math.max(220, spec.categories.length * 28 + 60) + "px";
      }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(optionFor(spec, el));
      el.setAttribute("data-chart-ready", "1");
      charts.push(chart);
    });
    var resize = function () { charts.forEach(function (c) { c.resize(); }); };
    window.addEventListener("resize", resize);
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
