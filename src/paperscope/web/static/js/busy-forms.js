// Forms whose answer may take a while (a submission fetched from arXiv) say so while
// the browser waits: the button is disabled and the form's status line shows the
// data-busy text next to a spinner. Without this script the form works the same.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type=submit]");
        var status = form.querySelector("[data-busy-status]");
        if (button) button.disabled = true;
        if (status) {
          status.textContent = form.dataset.busy;
          status.hidden = false;
        }
      });
    });
  });
})();
