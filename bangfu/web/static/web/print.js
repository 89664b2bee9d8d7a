/* Print: a button (button[data-print], shown once this script runs) that prints the page, and folded
   sections (<details>) opened for the print and folded again afterwards — whether the print comes from
   the button or from the browser's own menu. A static file: the site's CSP allows no inline scripts. */
(function () {
  "use strict";

  var opened = [];

  function openAll() {
    document.querySelectorAll("details:not([open])").forEach(function (details) {
      details.open = true;
      opened.push(details);
    });
  }

  function foldAgain() {
    opened.forEach(function (details) { details.open = false; });
    opened = [];
  }

  window.addEventListener("beforeprint", openAll);
  window.addEventListener("afterprint", foldAgain);

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-print]");
    if (!button) { return; }
    openAll();
    window.print();
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-print]").forEach(function (button) { button.hidden = false; });
  });
})();
