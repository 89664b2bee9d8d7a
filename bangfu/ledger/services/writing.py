"""Writing purchase rows in bulk: the row layout of the raw writer and the one statement that stores it.

The import prepares each purchase as a plain tuple in the order of :class:`PurchaseRow` (building a named
tuple per row costs ~0.8 µs, a measurable share of a million-row import); the field names are the table's
column names, and ``tests/ledger/test_writing.py`` checks that they are exactly the model's concrete
columns, so a column added to :class:`~bangfu.ledger.models.Purchase` cannot be forgotten here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple, TypeVar

from django.db import connection

from ..models import Purchase

T = TypeVar("T")


class PurchaseRow(NamedTuple):
    """One purchase as the import writes it (column names of ``ledger_purchase``, minus ``id``)."""

    purchaser_id: int | None
    purchaser_name: str
    purchaser_from: str
    reporting_org_id: int | None
    date: Any  # adapted for the database
    date_precision: str
    amount_fen: int
    product: str
    supplier: str
    product_ref_id: int | None
    supplier_ref_id: int | None
    origin: str
    origin_region_id: int | None
    origin_inferred_from: str
    channel: str
    category: str
    quantity: Any  # adapted decimal or None
    quantity_unit: str
    order_no: str
    order_key: str
    dedupe_key: str
    remarks: str
    status: str
    sheet: str
    row_number: int
    raw: str  # JSON text of the original cells
    created_at: Any
    updated_at: Any
    created_by_id: int | None  # entered by hand only; an import's author is its batch's
    refund_of_id: int | None  # set in the write phase, once the refunded purchase is known
    # Last, so that the read phase's rows (written before the batch exists) are completed with one
    # tuple concatenation: ``row + (batch_id,)``.
    batch_id: int | None


COLUMNS: tuple[str, ...] = PurchaseRow._fields
PURCHASER = COLUMNS.index("purchaser_id")
PURCHASER_NAME = COLUMNS.index("purchaser_name")
AMOUNT = COLUMNS.index("amount_fen")
KEY = COLUMNS.index("dedupe_key")
ORDER_KEY = COLUMNS.index("order_key")
ORIGIN = COLUMNS.index("origin")
ORIGIN_REGION = COLUMNS.index("origin_region_id")
INFERRED_FROM = COLUMNS.index("origin_inferred_from")
CATEGORY = COLUMNS.index("category")
PRODUCT = COLUMNS.index("product")
DATE = COLUMNS.index("date")
STATUS = COLUMNS.index("status")
REFUND_OF = COLUMNS.index("refund_of_id")
CHANNEL = COLUMNS.index("channel")
SUPPLIER = COLUMNS.index("supplier")
SUPPLIER_REF = COLUMNS.index("supplier_ref_id")
SHEET = COLUMNS.index("sheet")
ROW_NUMBER = COLUMNS.index("row_number")
RAW = COLUMNS.index("raw")
#: Columns a row has before the write phase appends ``batch_id``.
PREPARED_WIDTH = len(COLUMNS) - 1
assert COLUMNS[-1] == "batch_id"


def insert_sql() -> str:
    table = connection.ops.quote_name(Purchase._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"


def write_rows(rows: Sequence[tuple[Any, ...]], sql: str | None = None) -> None:
    """Store complete rows: PostgreSQL's COPY where available, one executemany elsewhere."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(Purchase._meta.db_table)
            columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(sql or insert_sql(), rows)


#: A load of at least this many rows into a table holding fewer rows than it brings builds the purchase
#: table's secondary indexes after the rows instead of row by row (measured: bench/README.md, import).
DEFER_INDEXES_MIN_ROWS = 20_000


def _stored_fewer_than(rows: int) -> bool:
    table = connection.ops.quote_name(Purchase._meta.db_table)
    with connection.cursor() as cursor:  # reads at most ``rows`` index entries, not the whole table
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS head", [rows])
        return bool(cursor.fetchone()[0] < rows)


@contextlib.contextmanager
def indexes_deferred(rows: int) -> Iterator[bool]:
    """Around a bulk write of ``rows`` rows inside a transaction, on PostgreSQL: when the load is large
    and the table held fewer rows before it, the secondary indexes (``Purchase.Meta.indexes``) are
    dropped and built again from all rows at the end — one sort each instead of a B-tree insertion per
    row and index. Yields whether it did. The unique de-duplication key stays (the writes look it up).

    The drop is part of the transaction: a failed import leaves the indexes as they were. The price is
    the lock: the purchase table is closed to readers (ACCESS EXCLUSIVE) until the import commits, which
    is why it is done only for a first large load. Not on SQLite: measured, rebuilding cost more than it
    saved there.
    """
    if connection.vendor != "postgresql" or rows < DEFER_INDEXES_MIN_ROWS or not _stored_fewer_than(rows):
        yield False
        return
    editor = connection.schema_editor(collect_sql=True)
    indexes = Purchase._meta.indexes
    with connection.cursor() as cursor:
        for index in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(index.name)}")
        yield True
        # Foreign keys are checked at commit (deferred); PostgreSQL builds no index on a table with
        # checks pending, so they run now, and checks of later writes are deferred again.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for index in indexes:
            cursor.execute(str(index.create_sql(Purchase, editor)))
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class Adapter:
    """Values adapted for the database once per distinct value (dates repeat thousands of times)."""

    def __init__(self) -> None:
        self._dates: dict[dt.date, Any] = {}

    def date(self, value: dt.date) -> Any:
        adapted = self._dates.get(value)
        if adapted is None:
            adapted = self._dates[value] = connection.ops.adapt_datefield_value(value)
        return adapted

    @staticmethod
    def quantity(value: Any) -> Any:
        return None if value is None else connection.ops.adapt_decimalfield_value(value, 16, 3)


def chunks(values: Sequence[T], size: int = 2000) -> Iterator[Sequence[T]]:
    """``values`` in slices of ``size``: the lists of keys and ids a query takes at a time."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def among(column: str, values: Sequence[str]) -> tuple[str, list[Any]]:
    """``column`` (text) is one of ``values``: the condition and its parameters. PostgreSQL takes the
    list as one array parameter, unnested so that the planner probes the column's index once per value
    (2,000 keys against 50,000 rows: 4 ms, where ``= ANY(%s)`` chose a 20 ms scan), and psycopg, which
    composes each query on the client, does not split 2,000 placeholders (~2 s of a 100,000-row import,
    profiled). SQLite takes an ``IN`` list."""
    if connection.vendor == "postgresql":
        return f"{column} IN (SELECT unnest(%s::text[]))", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _keys_query(columns: str, keys: Sequence[str]) -> tuple[str, list[Any]]:
    table = connection.ops.quote_name(Purchase._meta.db_table)
    condition, params = among("dedupe_key", keys)
    return f"SELECT {columns} FROM {table} WHERE {condition}", params


def existing_keys(keys: list[str]) -> set[str]:
    """Which de-duplication keys are already stored (raw SQL: the ORM's cost per 2,000-value IN list is
    measurable on a million-row import)."""
    found: set[str] = set()
    with connection.cursor() as cursor:
        for chunk in chunks(keys):
            cursor.execute(*_keys_query("dedupe_key", chunk))
            found.update(key for (key,) in cursor.fetchall())
    return found


def stored_for_keys(keys: Iterable[str]) -> dict[str, tuple[int, int | None, int | None]]:
    """key → (purchase id, purchaser id, reporting unit id) of the stored purchases with these keys."""
    found: dict[str, tuple[int, int | None, int | None]] = {}
    with connection.cursor() as cursor:
        for chunk in chunks(list(keys)):
            cursor.execute(*_keys_query("dedupe_key, id, purchaser_id, reporting_org_id", chunk))
            for key, pk, purchaser_id, reporting_org_id in cursor.fetchall():
                found[key] = (pk, purchaser_id, reporting_org_id)
    return found


def totals_delta_of_rows(rows: Iterable[tuple[Any, ...]], delta: Any) -> None:
    """Add written rows' contribution to the running totals' ``delta`` (``ledger.totals``)."""
    from ..totals import delta_add

    for row in rows:
        delta_add(
            delta,
            status=row[STATUS],
            date=row[DATE],
            purchaser_id=row[PURCHASER],
            region_id=row[ORIGIN_REGION],
            channel=row[CHANNEL],
            category=row[CATEGORY],
            amount_fen=row[AMOUNT],
        )
