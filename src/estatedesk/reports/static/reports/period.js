/* The period picker: the custom range fields show only for "custom", the anchor date for the
   others; changing the period or the site submits the form (no inline handlers: CSP). */
(function () {
  "use strict";

  function sync(form) {
    var select = form.querySelector("[name=period]");
    if (!select) return;
    var custom = select.value === "custom";
    form.querySelectorAll(".period-custom").forEach(function (el) { el.hidden = !custom; });
    form.querySelectorAll(".period-anchor").forEach(function (el) { el.hidden = custom; });
  }

  function setup() {
    document.querySelectorAll("form[data-period-form]").forEach(function (form) {
      sync(form);
      form.querySelectorAll("[data-autosubmit]").forEach(function (field) {
        field.addEventListener("change", function () {
          sync(form);
          if (field.name !== "period" || field.value !== "custom") form.requestSubmit();
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
