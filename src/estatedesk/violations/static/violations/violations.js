// Violations pages: the print button of the paper forms and, on the intake form, only the
// sub-kinds of the chosen kind (VI-2). No inline script, so the CSP stays strict.
(function () {
  function bindPrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }
  function bindSubKinds() {
    var kind = document.querySelector("[data-kind-select]");
    var sub = document.querySelector("[data-subkind-select]");
    if (!kind || !sub) return;
    function sync() {
      var label = kind.options[kind.selectedIndex] ? kind.options[kind.selectedIndex].text : "";
      sub.querySelectorAll("optgroup").forEach(function (group) {
        var show = !kind.value || group.label === label;
        group.hidden = !show;
        group.disabled = !show;
      });
      var chosen = sub.options[sub.selectedIndex];
      if (chosen && chosen.parentElement && chosen.parentElement.disabled) sub.value = "";
    }
    kind.addEventListener("change", sync);
    sync();
  }
  // VI-3: ticking a loss or a safety threat suggests "major", clearing both suggests "general".
  function bindGrade() {
    var facts = document.querySelectorAll("[data-grade-fact]");
    if (!facts.length) return;
    function suggest() {
      var serious = Array.prototype.some.call(facts, function (box) { return box.checked; });
      var radio = document.querySelector('input[name="grade"][value="' + (serious ? "major" : "general") + '"]');
      if (radio) radio.checked = true;
    }
    facts.forEach(function (box) { box.addEventListener("change", suggest); });
  }
  document.addEventListener("DOMContentLoaded", function () { bindPrint(); bindSubKinds(); bindGrade(); });
})();
