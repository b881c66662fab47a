/* Survey page behaviour on top of the plain form: focus after an in-place swap, send errors. */
(function () {
  "use strict";

  // After htmx swapped the thank-you note or the form with messages in, move focus there so
  // screen readers announce it and the customer sees it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    var focus = target && target.querySelector ? target.querySelector("[data-focus]") : null;
    if (focus) {
      focus.focus();
    }
  });

  // Network failure or a server error: htmx swaps nothing, so say so next to the button.
  function sendFailed(event) {
    var form = event.detail && event.detail.elt;
    var note = form && form.querySelector ? form.querySelector("[data-send-error]") : null;
    if (note) {
      note.hidden = false;
    }
  }
  document.addEventListener("htmx:sendError", sendFailed);
  document.addEventListener("htmx:responseError", sendFailed);
})();
