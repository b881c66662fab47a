/* Dashboards: small enhancements and the Plotly charts. No inline scripts; works after htmx swaps. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var PLOT_CONFIG = { displaylogo: false, responsive: true };

  function drawCharts(root) {
    if (!window.Plotly) { return; }
    var nodes = root.querySelectorAll('script[type="application/json"][data-chart]');
    Array.prototype.forEach.call(nodes, function (node) {
      var target = document.getElementById(node.getAttribute("data-chart"));
      if (!target) { return; }
      var figure = JSON.parse(node.textContent);
      target.innerHTML = "";
      window.Plotly.newPlot(target, figure.data || [], figure.layout || {}, PLOT_CONFIG);
    });
  }

  function syncPeriod(select) {
    var custom = select.value === "custom";
    var form = select.form;
    if (!form) { return; }
    Array.prototype.forEach.call(form.querySelectorAll("[data-custom-dates]"), function (box) {
      if (custom) { box.removeAttribute("data-inactive"); } else { box.setAttribute("data-inactive", ""); }
      Array.prototype.forEach.call(box.querySelectorAll("input"), function (input) {
        input.disabled = !custom;
      });
    });
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!(el instanceof HTMLElement)) { return; }
    if (el.matches("select[data-period]")) { syncPeriod(el); }
    if (el.matches("[data-autosubmit]") && el.form) { el.form.submit(); }
  }, true);

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    drawCharts(event.target instanceof Element ? event.target : document);
  });
  // Back and forward restore a snapshot without Plotly's event handlers: draw again.
  document.addEventListener("htmx:historyRestore", function () { drawCharts(document); });
})();
