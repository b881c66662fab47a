/* Dashboards: small enhancements and the Plotly charts. No inline scripts; works after htmx swaps. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var PHONE = 560;
  var LANG = (document.documentElement.lang || "").slice(0, 2);

  // On a phone Plotly's tool bar would sit on the quadrant labels and a tap shows it: leave it out.
  function plotConfig(width) {
    return {
      displaylogo: false,
      responsive: true,
      displayModeBar: width >= PHONE ? "hover" : false,
      locale: LANG === "de" ? "de" : "en"
    };
  }

  // A long axis title does not fit a phone's width: break it near the middle.
  function wrapTitle(axis) {
    var title = axis && axis.title;
    var text = title && (typeof title === "string" ? title : title.text);
    if (!text || text.length <= 30 || text.indexOf("<br>") !== -1) { return axis; }
    var middle = Math.floor(text.length / 2);
    var before = text.lastIndexOf(" ", middle);
    var after = text.indexOf(" ", middle);
    var at = before === -1 ? after : (after === -1 || middle - before <= after - middle ? before : after);
    if (at === -1) { return axis; }
    var wrapped = text.slice(0, at) + "<br>" + text.slice(at + 1);
    var copy = Object.assign({}, axis);
    copy.title = typeof title === "string" ? { text: wrapped } : Object.assign({}, title, { text: wrapped });
    return copy;
  }

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
    if (width >= PHONE) { return figure; }
    var layout = Object.assign({}, figure.layout || {});
    layout.font = Object.assign({}, layout.font || {}, { size: 11 });
    (figure.data || []).forEach(function (trace) {
      if (trace.type === "heatmap") {
        // The matrix is symmetric: the row labels name the columns too.
        layout.xaxis = Object.assign({}, layout.xaxis || {}, { showticklabels: false });
        layout.yaxis = Object.assign({}, layout.yaxis || {}, shorten(trace.y || [], 14),
          { automargin: true });
      } else if (Array.isArray(trace.y) && typeof trace.y[0] === "string" && !layout.__cut) {
        layout.yaxis = Object.assign({}, layout.yaxis || {}, shorten(trace.y, 22),
          { automargin: true });
        layout.__cut = true;
      }
    });
    delete layout.__cut;
    layout.xaxis = wrapTitle(layout.xaxis);
    layout.yaxis = wrapTitle(layout.yaxis);
    return { data: figure.data, layout: layout };
  }

  // Point labels of scatter charts: on a narrow plot, centred labels run into each other and
  // past the edges. Place each label (above, below, beside its point) where it stays inside the
  // plot and clear of the labels placed before it.
  var PLACES = ["top center", "bottom center", "top right", "top left", "bottom right",
    "bottom left", "middle right", "middle left"];

  function labelBox(x, y, place, text, size) {
    var w = text.length * size * 0.58;
    var h = size * 1.25;
    var gap = 7;
    var parts = place.split(" ");
    var left = parts[1] === "center" ? x - w / 2 : parts[1] === "right" ? x + gap : x - gap - w;
    var top = parts[0] === "top" ? y - gap - h : parts[0] === "bottom" ? y + gap : y - h / 2;
    return [left, top, left + w, top + h];
  }

  function overlaps(a, b) {
    return Math.min(a[2], b[2]) > Math.max(a[0], b[0]) && Math.min(a[3], b[3]) > Math.max(a[1], b[1]);
  }

  function placeLabels(target) {
    var full = target._fullLayout;
    if (!full || !full.xaxis || !full.yaxis || !target._fullData) { return; }
    var xa = full.xaxis, ya = full.yaxis;
    var size = (full.font && full.font.size) || 11;
    var bounds = [xa._offset, ya._offset, xa._offset + xa._length, ya._offset + ya._length];
    var placed = [];
    target._fullData.forEach(function (trace, index) {
      if (trace.type !== "scatter" || !trace.mode || trace.mode.indexOf("text") === -1 ||
          !Array.isArray(trace.text)) { return; }
      var places = trace.x.map(function (xv, k) {
        var x = xa._offset + xa.l2p(xa.d2l(xv));
        var y = ya._offset + ya.l2p(ya.d2l(trace.y[k]));
        var text = String(trace.text[k] || "");
        var choice = PLACES[0];
        for (var p = 0; p < PLACES.length; p++) {
          var box = labelBox(x, y, PLACES[p], text, size);
          var inside = box[0] >= bounds[0] && box[2] <= bounds[2] && box[1] >= bounds[1] - size &&
            box[3] <= bounds[3] + size;
          if (inside && !placed.some(function (other) { return overlaps(box, other); })) {
            choice = PLACES[p];
            break;
          }
        }
        placed.push(labelBox(x, y, choice, text, size));
        return choice;
      });
      window.Plotly.restyle(target, { textposition: [places], cliponaxis: false }, [index]);
    });
  }

  function drawCharts(root) {
    if (!window.Plotly) { return; }
    var nodes = root.querySelectorAll('script[type="application/json"][data-chart]');
    Array.prototype.forEach.call(nodes, function (node) {
      var target = document.getElementById(node.getAttribute("data-chart"));
      if (!target) { return; }
      var width = target.clientWidth;
      var figure = fitToWidth(JSON.parse(node.textContent), width);
      target.innerHTML = "";
      var drawn = window.Plotly.newPlot(target, figure.data || [], figure.layout || {},
        plotConfig(width));
      if (width < PHONE && drawn && drawn.then) {
        drawn.then(function () { placeLabels(target); });
      }
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
