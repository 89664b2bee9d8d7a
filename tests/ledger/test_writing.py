"""The raw writer's row layout is the purchase table's: a column added to the model cannot be forgotten."""

from __future__ import annotations

from bangfu.ledger.models import Purchase
from bangfu.ledger.services.writing import COLUMNS, KEY, PREPARED_WIDTH, PurchaseRow


def test_the_row_layout_lists_exactly_the_models_concrete_columns():
    model_columns = {f.column for f in Purchase._meta.concrete_fields if not f.primary_key}
    assert set(COLUMNS) == model_columns
    assert len(COLUMNS) == len(model_columns)  # no column twice


def test_the_batch_is_last_so_prepared_rows_are_completed_by_appending_it():
    assert COLUMNS[-1] == "batch_id" and len(COLUMNS) - 1 == PREPARED_WIDTH
    assert COLUMNS[KEY] == "dedupe_key" and PurchaseRow._fields == COLUMNS
