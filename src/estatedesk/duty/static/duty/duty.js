// Duty pages: selects marked data-autosubmit submit their form on change (site, month, kind
// pickers); buttons marked data-print open the print dialog. No inline script (CSP).
(function () {
  function bind(root) {
    root.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      if (el.dataset.bound) return;
      el.dataset.bound = "1";
      el.addEventListener("change", function () { if (el.form) el.form.submit(); });
    });
    root.querySelectorAll("[data-print]").forEach(function (el) {
      if (el.dataset.bound) return;
      el.dataset.bound = "1";
      el.addEventListener("click", function () { window.print(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { bind(document); });
  document.addEventListener("htmx:afterSwap", function (event) { bind(event.target); });
})();
