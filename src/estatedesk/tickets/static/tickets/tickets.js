// Tickets pages: print buttons, "fill" buttons of the intake lookup and the kind/department
// suggestion, joining an incident, and the intake's emergency mode. No inline script: the CSP
// forbids it.
(function () {
  function setValue(id, value) {
    var el = document.getElementById(id);
    if (!el || value === undefined) return;
    el.value = value;
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function showParent(number) {
    var box = document.getElementById("parent-chosen");
    var label = document.getElementById("parent-number");
    if (!box || !label) return;
    label.textContent = number || "";
    box.classList.toggle("d-none", !number);
  }
  document.addEventListener("click", function (event) {
    var printer = event.target.closest("[data-print]");
    if (printer) {
      event.preventDefault();
      window.print();
      return;
    }
    var filler = event.target.closest("[data-fill]");
    if (filler) {
      event.preventDefault();
      var values = JSON.parse(filler.getAttribute("data-fill"));
      Object.keys(values).forEach(function (id) { setValue(id, values[id]); });
      if (Object.prototype.hasOwnProperty.call(values, "id_parent")) {
        showParent(filler.getAttribute("data-parent-number") || "");
      }
      filler.classList.add("active");
    }
  });
  // EM-1: the detector saw an emergency in the description; the intake form turns red and
  // offers the "not an emergency" check (submitting without it goes to the playbook).
  document.body.addEventListener("intakeEmergency", function () {
    var form = document.getElementById("intake-form");
    if (form) form.classList.add("intake-emergency");
    var check = document.getElementById("not-emergency");
    if (check) check.classList.remove("d-none");
    var box = document.getElementById("emergency-box");
    if (box && box.scrollIntoView) box.scrollIntoView({ block: "center", behavior: "smooth" });
  });
})();
