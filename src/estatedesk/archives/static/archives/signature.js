// AR-2 signature pad: draw with finger, pen or mouse on the canvas; on submit the drawing is
// put into the hidden field as a PNG data URL (the server validates and stores it).
// Loaded as a static file because the CSP forbids inline scripts.
(function () {
  function setup(pad) {
    var canvas = pad.querySelector("canvas");
    var form = pad.closest("form");
    var target = document.getElementById(pad.dataset.target);
    if (!canvas || !form || !target) return;
    var ctx = canvas.getContext("2d");
    var drawing = false, dirty = false, last = null;
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - rect.left) * (canvas.width / rect.width),
        y: (event.clientY - rect.top) * (canvas.height / rect.height)
      };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      last = point(event);
      canvas.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
      dirty = true;
      event.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    var clear = form.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        dirty = false;
        target.value = "";
      });
    }
    form.addEventListener("submit", function () {
      target.value = dirty ? canvas.toDataURL("image/png") : "";
    });
    // Show only what the chosen method needs: the pad for a drawn signature, the name box
    // for a typed one (both stay in the form, so nothing typed is lost when switching).
    var typedBox = form.querySelector('[data-field="typed_text"]');
    var drawnBox = form.querySelector("[data-signature-drawn]");
    var methods = form.querySelectorAll('input[name="method"]');
    function sync() {
      var chosen = form.querySelector('input[name="method"]:checked');
      var typed = chosen && chosen.value === "typed";
      if (typedBox) typedBox.hidden = !typed;
      if (drawnBox) drawnBox.hidden = typed;
    }
    methods.forEach(function (radio) { radio.addEventListener("change", sync); });
    if (methods.length) sync();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-signature-pad]").forEach(setup);
  });
})();
