"""How the ledger's reads are written for the database's query planner — the one module that names an
index, writes ``+column`` or ``INDEXED BY``, or asks which database it runs on.

``ledger.selectors`` says *which* records a list shows (domain filters); the functions here say *how*
each condition is written so that the planner reads the index meant for it. Every function returns the
same rows as the plain condition (``tests/web/test_ledger.py`` compares both ways); only the plan
differs. The plans are asserted in ``tests/ledger/test_query_plans.py`` (``EXPLAIN QUERY PLAN`` on
SQLite, ``EXPLAIN`` on PostgreSQL); why each exists and what it gained is measured in
``bench/README.md`` (``web_load.py``, ``progress.py``) and explained in ``docs/architecture.md``
("Large lists").

The indexes (``ledger.models.Purchase.Meta.indexes``):

- ``purchase_progress`` (purchaser, status, date, origin, channel, category, amount): the progress
  sums and a unit's records;
- ``purchase_date_id`` and ``purchase_amount_id``: the list's keyset pages in date and amount order;
- ``purchase_reporter_date``: records reported by a unit;
- ``purchase_open_status_date`` (status, date) of records not approved: one open status, newest first;
- ``purchase_unique_dedupe_key``: order numbers by prefix (``n:<order key>:<fen>``).

SQLite's planner has no statistics in a deployment (nothing runs ``ANALYZE``) and picks the index that
narrows a query most, then sorts every match; the tricks below steer it to the index that meets a page
of matches in order. PostgreSQL's planner makes these choices itself from its statistics, so on
PostgreSQL every function here writes the plain condition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    DateField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    QuerySet,
    Value,
)

from .choices import RecordStatus
from .models import ImportBatch, Purchase

#: A jurisdiction or batch with at least this many records is filtered while walking the page order's
#: index instead of read from its own index and sorted (SQLite).
LARGE_UNIT_ROWS = 5_000

#: The index each sort field of the list is read from (``purchase_page(large=True)`` on SQLite).
SORT_INDEXES = {"date": "purchase_date_id", "amount_fen": "purchase_amount_id"}


def on_sqlite() -> bool:
    return connection.vendor == "sqlite"


class Unindexed(Func):
    """A column that SQLite will not pick an index for (``+column``), so that a condition on it is
    checked inside the index the rest of the query is read from. Elsewhere the plain column."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra_context)


def _plus_zero(field_name: str) -> ExpressionWrapper:
    """``column + 0``: the same value, which no index serves."""
    return ExpressionWrapper(F(field_name) + Value(0), output_field=BigIntegerField())


class Rare(Func):
    """A condition SQLite is told holds for few rows — ``likelihood(condition, 0.001)`` — so that it reads
    the condition's index whatever its statistics say. Elsewhere the plain condition.

    After ``ANALYZE`` on a database where no record has a reporting unit, SQLite's statistics say every
    row shares one value of ``reporting_org_id``: "reported by these units" then looks like the whole
    table, and SQLite scans the table for it (and finds nothing). A likelihood below 1 replaces that
    estimate, so the part is read from ``purchase_reporter_date`` with or without such data."""

    template = "%(expressions)s"
    output_field = BooleanField()

    def __init__(self, condition: Q) -> None:
        super().__init__(condition)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="likelihood(%(expressions)s, 0.001)", **extra_context
        )


@dataclass(frozen=True)
class ScopeParts:
    """A unit's visible purchases ("bought by or reported by one of its units") as two disjoint sets,
    each read from one index: bought by its units (``purchase_progress``) and reported by its units but
    bought elsewhere (``purchase_reporter_date``). Counted as one ``bought OR reported`` query, SQLite
    scans the date index or the table instead."""

    bought: QuerySet[Purchase]
    reported_elsewhere: QuerySet[Purchase]


def scope_parts(units: list[int]) -> ScopeParts:
    """The records of ``units`` ("bought by or reported by one of them") as :class:`ScopeParts`; the
    reported part's condition is :class:`Rare`, so it is read from ``purchase_reporter_date`` even where
    the statistics say no record has a reporting unit."""
    return ScopeParts(
        bought=Purchase.objects.filter(purchaser_id__in=units),
        reported_elsewhere=Purchase.objects.filter(Rare(Q(reporting_org_id__in=units))).exclude(
            purchaser_id__in=units
        ),
    )


# --- conditions ----------------------------------------------------------------------------------


def purchaser_in(qs: QuerySet[Purchase], units: list[int]) -> QuerySet[Purchase]:
    """Records bought by ``units``.

    SQLite reads ``purchaser_id IN (…)`` from ``purchase_progress`` and then sorts every match for the
    page; for a large jurisdiction (counted up to :data:`LARGE_UNIT_ROWS` from that index) walking the
    page order's index and skipping other units' rows is far cheaper, so there the condition is written
    on ``purchaser_id + 0``, which no index serves. A small jurisdiction keeps its index.
    """
    if not on_sqlite():
        return qs.filter(purchaser_id__in=units)
    large = Purchase.objects.filter(purchaser_id__in=units).order_by()[:LARGE_UNIT_ROWS].count()
    if large < LARGE_UNIT_ROWS:
        return qs.filter(purchaser_id__in=units)
    return qs.alias(purchaser_unindexed=_plus_zero("purchaser_id")).filter(purchaser_unindexed__in=units)


def batch_is(qs: QuerySet[Purchase], batch_id: int) -> QuerySet[Purchase]:
    """Records of one batch; a large batch (a platform's yearly export, its size known from the batch)
    is read in page order and filtered, as a large jurisdiction is (:func:`purchaser_in`)."""
    if on_sqlite():
        accepted = ImportBatch.objects.filter(pk=batch_id).values_list("accepted", flat=True).first() or 0
        if accepted >= LARGE_UNIT_ROWS:
            return qs.alias(batch_unindexed=_plus_zero("batch_id")).filter(batch_unindexed=batch_id)
    return qs.filter(batch_id=batch_id)


def date_between(
    qs: QuerySet[Purchase],
    start: Any,
    end: Any,
    *,
    in_purchaser_index: bool = False,
    status_filtered: bool = False,
) -> QuerySet[Purchase]:
    """Records dated from ``start`` to ``end`` (either may be None: open).

    ``in_purchaser_index``: ``qs`` is a scope's :attr:`ScopeParts.bought`; on SQLite the range is then
    checked inside ``purchase_progress`` — (purchaser IN …, status IN every status, ``+date`` range):
    seeks in the covering index — instead of read from the date index. ``status_filtered``: the caller
    filters one status, which takes the place of "every status".
    """
    if not (start or end):
        return qs
    field_name = "date"
    if in_purchaser_index and on_sqlite():
        qs = qs.alias(scan_date=Unindexed("date", output_field=DateField()))
        field_name = "scan_date"
        if not status_filtered:
            qs = qs.filter(status__in=RecordStatus.values)
    if start:
        qs = qs.filter(**{f"{field_name}__gte": start})
    if end:
        qs = qs.filter(**{f"{field_name}__lte": end})
    return qs


def status_is(qs: QuerySet[Purchase], status: str) -> QuerySet[Purchase]:
    """Records of one status. For a status other than approved the condition of the partial index
    ``purchase_open_status_date`` is repeated (NOT status = approved), so that SQLite can prove the
    index applies: it serves newest-first pages of one open status without sorting."""
    qs = qs.filter(status=status)
    if status != RecordStatus.APPROVED:
        qs = qs.filter(~Q(status=RecordStatus.APPROVED))
    return qs


def binary_text_order() -> bool:
    """Whether the database compares text byte by byte (SQLite; PostgreSQL under a C collation), so
    that "starts with P" is the key range [P, P + U+10FFFF) and an ordinary index serves it."""
    if on_sqlite():
        return True
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        row = cursor.fetchone()
    return bool(row) and str(row[0]).split(".")[0].upper() in ("C", "POSIX")


def text_prefix(field_name: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, written so that the field's ordinary index serves it: a key
    range where text sorts byte by byte, else ``LIKE 'prefix%'`` (which PostgreSQL reads from such an
    index only under the C collation)."""
    if binary_text_order():
        return Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": prefix + "\U0010ffff"})
    return Q(**{f"{field_name}__startswith": prefix})


# --- reading a page in index order ---------------------------------------------------------------


def sort_walk_sql(qs: QuerySet[Purchase], field_name: str) -> tuple[str, tuple[Any, ...]] | None:
    """The SQL that reads the ids of ``qs`` (ordered and sliced) by walking the sort field's index
    (``INDEXED BY``, SQLite), and its parameters; None where it does not apply (another database, a
    sort without its own index)."""
    index = SORT_INDEXES.get(field_name)
    table = f'FROM "{Purchase._meta.db_table}"'
    if not on_sqlite() or index is None:
        return None
    sql, params = qs.values_list("id").query.sql_with_params()
    if table not in sql:
        return None
    return sql.replace(table, f'{table} INDEXED BY "{index}"', 1), tuple(params)


def ids_in_sort_order(qs: QuerySet[Purchase], field_name: str) -> list[int] | None:
    """The ids of ``qs`` (ordered and sliced), read by walking the sort's index (see
    :func:`sort_walk_sql`); None where the planner is left to choose (then read ``qs`` itself).

    For a large filtered set SQLite prefers the filter's index and then sorts every match, where walking
    the amount (or date) index and skipping non-matches meets a page of them early.
    """
    walk = sort_walk_sql(qs, field_name)
    if walk is None:
        return None
    sql, params = walk
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
