/* Kiosk mode: after thanks, and after a customer walked away mid-survey, start a fresh form. */
(function () {
  "use strict";

  var IDLE_SECONDS = 90;
  var resetUrl = document.body.getAttribute("data-reset-url");
  var idleTimer = null;
  var resetTimer = null;

  function reset() {
    if (resetUrl) {
      window.location.replace(resetUrl);
    }
  }

  // A thank-you note swapped in by htmx has no meta refresh of its own: schedule the reset here.
  function scheduleResetFromThanks() {
    var note = document.querySelector("[data-kiosk-reset]");
    if (!note || resetTimer !== null) {
      return;
    }
    var seconds = parseInt(note.getAttribute("data-kiosk-reset"), 10) || 5;
    resetUrl = note.getAttribute("data-reset-url") || resetUrl;
    resetTimer = window.setTimeout(reset, seconds * 1000);
  }

  function started() {
    if (document.querySelector(".sv-form input:checked")) {
      return true;
    }
    var boxes = document.querySelectorAll(".sv-form textarea, .sv-form input.sv-input");
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].value) {
        return true;
      }
    }
    return false;
  }

  // Someone started but walked away: the next customer must not find their half-filled answers.
  function touched() {
    if (idleTimer !== null) {
      window.clearTimeout(idleTimer);
    }
    idleTimer = window.setTimeout(function () {
      if (started()) {
        reset();
      }
    }, IDLE_SECONDS * 1000);
  }

  ["pointerdown", "keydown", "input"].forEach(function (name) {
    document.addEventListener(name, touched, { passive: true });
  });
  document.addEventListener("htmx:afterSettle", scheduleResetFromThanks);
  scheduleResetFromThanks();
})();
