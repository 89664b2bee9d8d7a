// Ledger pages: a header checkbox [data-select-all] ticks every row checkbox of its table.
// Delegated from the document, so it keeps working after htmx swaps the list.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches("input[type=checkbox][data-select-all]")) return;
  var table = box.closest("table");
  if (!table) return;
  table.querySelectorAll("tbody input[type=checkbox][name=ids]").forEach(function (row) {
    row.checked = box.checked;
  });
});
