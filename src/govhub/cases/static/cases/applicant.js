/*
 * govhub cases: small enhancements of the applicant's pages. Everything works without
 * this file (the server refuses a second submission with the same key anyway).
 *
 * - A button marked data-submit-once does not send its form twice (a double click).
 * - A file input marked data-autoupload sends its form as soon as a file is chosen
 *   (supplements: choose the file, and it is uploaded).
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    if (form.dataset.submitting === "true") {
      event.preventDefault();
      return;
    }
    if (submitter && submitter.hasAttribute("data-submit-once")) {
      form.dataset.submitting = "true";
      submitter.setAttribute("aria-disabled", "true");
      // A page restored from the back/forward cache must be usable again.
      window.addEventListener("pageshow", function () {
        form.dataset.submitting = "";
        submitter.removeAttribute("aria-disabled");
      }, { once: true });
    }
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-autoupload")) {
      return;
    }
    if (input.files && input.files.length && input.form) {
      if (typeof input.form.requestSubmit === "function") {
        input.form.requestSubmit();
      } else {
        input.form.submit();
      }
    }
  });
})();
