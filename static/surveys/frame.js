/* Embed mode: tell the embedding page how tall the survey is, so its iframe never scrolls. */
(function () {
  "use strict";

  if (window.parent === window) {
    return;
  }
  var key = document.body.getAttribute("data-key") || "";
  var shell = document.getElementById("sv-shell") || document.body;
  var last = 0;

  function report() {
    var rect = shell.getBoundingClientRect();
    var height = Math.ceil(rect.bottom + (window.pageYOffset || 0));
    if (height > 0 && height !== last) {
      last = height;
      // "*": the height is not a secret and this page cannot know who embeds it; the embed
      // script on the other side accepts the message only from this origin and this frame.
      window.parent.postMessage({ type: "cxmonitor:height", key: key, height: height }, "*");
    }
  }

  if (typeof window.ResizeObserver === "function") {
    new window.ResizeObserver(report).observe(shell);
  } else {
    window.setInterval(report, 500);
  }
  window.addEventListener("load", report);
  document.addEventListener("htmx:afterSettle", report);
  report();
})();
