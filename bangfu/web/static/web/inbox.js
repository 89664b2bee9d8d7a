// The review queue: the header checkbox [data-select-all] ticks every row of its table (records and
// activities alike).
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches("input[type=checkbox][data-select-all]")) return;
  var table = box.closest("table");
  if (!table) return;
  table.querySelectorAll("tbody input[type=checkbox]").forEach(function (row) {
    row.checked = box.checked;
  });
});
