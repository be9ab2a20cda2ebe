// Live countdowns: any element with data-due="<ISO time>" shows the time left and turns amber
// after data-warn-at and red after the deadline. No inline script, so the CSP stays strict.
(function () {
  function fmt(ms) {
    var neg = ms < 0, s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var text = (d ? d + "d " : "") + (h || d ? h + "h " : "") + m + "m";
    return neg ? "-" + text : text;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due), warn = el.dataset.warnAt ? Date.parse(el.dataset.warnAt) : null;
      if (isNaN(due)) return;
      el.textContent = fmt(due - now);
      el.classList.toggle("red", now >= due);
      el.classList.toggle("amber", now < due && warn !== null && now >= warn);
    });
  }
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 15000);
})();
