// Activity pages, without inline scripts (the CSP forbids them):
// - a form marked [data-autosubmit] is submitted when one of its fields changes (the kind switch and the
//   item picker of the entry form reload the page with the choice);
// - a form marked [data-confirm="…"] asks before it is submitted (deleting an evidence file).
document.addEventListener("change", function (event) {
  var field = event.target;
  var form = field && field.form;
  if (form && form.hasAttribute("data-autosubmit")) form.requestSubmit ? form.requestSubmit() : form.submit();
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form || !form.getAttribute) return;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});
