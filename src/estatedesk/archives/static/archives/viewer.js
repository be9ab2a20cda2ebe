// Archive viewer (AR-3): no saving the page image by right-click or drag; the print button of
// the key-lending record. The watermark is burned in server-side, this only removes shortcuts.
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".archive-viewer").forEach(function (viewer) {
      viewer.addEventListener("contextmenu", function (event) { event.preventDefault(); });
      viewer.addEventListener("dragstart", function (event) { event.preventDefault(); });
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
