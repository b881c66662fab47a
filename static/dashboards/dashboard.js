/* Dashboards: small enhancements and the Plotly charts. No inline scripts; works after htmx swaps. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var PLOT_CONFIG = { displaylogo: false, responsive: true };

  function shorten(labels, max) {
    var seen = [];
    labels.forEach(function (label) {
      if (typeof label === "string" && seen.indexOf(label) === -1) { seen.push(label); }
    });
    return {
      tickmode: "array",
      tickvals: seen,
      ticktext: seen.map(function (s) { return s.length > max ? s.slice(0, max - 1) + "\u2026" : s; })
    };
  }

  // On a phone, long category labels would squeeze the plot: cut them (hover and the data
  // table keep the full names).
  function fitToWidth(figure, width) {
    if (width >= 560) { return figure; }
    var layout = Object.assign({}, figure.layout || {});
    layout.font = Object.assign({}, layout.font || {}, { size: 11 });
    (figure.data || []).forEach(function (trace) {
      if (trace.type === "heatmap") {
        // The matrix is symmetric: the row labels name the columns too.
        layout.xaxis = Object.assign({}, layout.xaxis || {}, { showticklabels: false });
        layout.yaxis = Object.assign({}, layout.yaxis || {}, shorten(trace.y || [], 10));
      } else if (Array.isArray(trace.y) && typeof trace.y[0] === "string" && !layout.__cut) {
        layout.yaxis = Object.assign({}, layout.yaxis || {}, shorten(trace.y, 16));
        layout.__cut = true;
      }
    });
    delete layout.__cut;
    return { data: figure.data, layout: layout };
  }

  function drawCharts(root) {
    if (!window.Plotly) { return; }
    var nodes = root.querySelectorAll('script[type="application/json"][data-chart]');
    Array.prototype.forEach.call(nodes, function (node) {
      var target = document.getElementById(node.getAttribute("data-chart"));
      if (!target) { return; }
      var figure = fitToWidth(JSON.parse(node.textContent), target.clientWidth);
      target.innerHTML = "";
      window.Plotly.newPlot(target, figure.data || [], figure.layout || {}, PLOT_CONFIG);
    });
  }

  // From/To hold dates only for a custom period; greyed out they would show stale dates. On
  // switching to "custom" they start from the period on display (the results know it).
  function syncPeriod(select) {
    var custom = select.value === "custom";
    var form = select.form;
    if (!form) { return; }
    var shown = document.querySelector(".period-line[data-start]");
    Array.prototype.forEach.call(form.querySelectorAll("[data-custom-dates]"), function (box) {
      if (custom) { box.removeAttribute("data-inactive"); } else { box.setAttribute("data-inactive", ""); }
      Array.prototype.forEach.call(box.querySelectorAll("input"), function (input) {
        input.disabled = !custom;
        if (!custom) {
          input.value = "";
        } else if (!input.value && shown) {
          input.value = shown.getAttribute(input.name === "from" ? "data-start" : "data-end") || "";
        }
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
