/* Assessment, bulletin and reminder pages: ask before an action that cannot be undone (publishing,
   a veto, sending). No inline scripts: forms carry the question in data-confirm. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) {
      return;
    }
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
