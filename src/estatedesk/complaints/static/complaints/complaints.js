// Complaint pages: print buttons and the intake form's conditional parts (no inline script:
// the CSP forbids it). Elements with data-show-when="field=value[|value]" are shown only when
// the named radio/select currently has one of those values.
(function () {
  function currentValue(form, name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    if (checked) return checked.value;
    var field = form.querySelector('[name="' + name + '"]');
    return field && field.type !== "radio" ? field.value : "";
  }
  function refresh(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (el) {
      var spec = el.getAttribute("data-show-when").split("=");
      var wanted = spec[1].split("|");
      el.hidden = wanted.indexOf(currentValue(form, spec[0])) < 0;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-conditional]").forEach(function (form) {
      refresh(form);
      form.addEventListener("change", function () { refresh(form); });
    });
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
})();
