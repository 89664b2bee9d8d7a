"""The purchases behind progress, summed in the database: per purchaser for every eligibility filter at
once, and month by month for the trend — from the running totals kept on every write
(``ledger.PurchaseTotal``) for whole months, from the records only for the days of a month a period
covers in part. The SQL tuning the sums rely on lives here and nowhere else (which index a day range is
read from, filtered aggregates instead of one query per filter, the month read from SQLite's date text);
which records a filter admits is :func:`progress.rules.eligible` / :func:`progress.rules.admitted`, the
same conditions on the records and on the totals (they share the column names).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.models import Count, DateField, F, Func, IntegerField, Q, QuerySet, Sum, Value

from bangfu.common.dates import month_end
from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.models import Purchase, PurchaseTotal
from bangfu.ledger.query_plans import Unindexed

from .rules import SumsKey, admitted

SumTable = dict[SumsKey, dict[int, int]]


def grouped_sums(
    keys: Iterable[SumsKey],
    year: int,
    status_groups: Sequence[Sequence[str]],
    purchasers: set[int] | None,
) -> list[tuple[SumTable, SumTable]]:
    """The sums of every eligibility filter per purchaser, for each group of record statuses (e.g.
    ``[[submitted, approved]]`` for the plan's figures, ``[[approved], [submitted]]`` for the official
    figures beside those awaiting review): one ``({key: {purchaser id: fen}}, {key: {purchaser id:
    records}})`` per group, in the groups' order.

    A period's whole months come from the running totals (``ledger.PurchaseTotal``: one row per
    purchaser and county, channel and category as of a month's end — a look-up, not a scan), the days
    of a month the period covers only in part from the records themselves (:func:`_scanned`). Each
    (filter, status group) is a filtered aggregate (``SUM(…) FILTER (WHERE …)``) of one grouped query."""
    found: list[tuple[SumTable, SumTable]] = [({}, {}) for _group in status_groups]
    by_period: dict[tuple[dt.date, dt.date], list[SumsKey]] = defaultdict(list)
    for key in set(keys):
        by_period[(key.start, key.last)].append(key)
        for number in range(len(status_groups)):
            found[number][0][key], found[number][1][key] = {}, {}
    from_totals = all(set(group) <= TOTAL_STATUSES for group in status_groups)
    for (start, last), period_keys in by_period.items():
        months, days = split_period(start, last) if from_totals else (None, [(start, last)])
        if months is not None:
            first, final = months
            _add(found, _from_totals(period_keys, year, status_groups, purchasers, final), sign=1)
            if first > 1:
                _add(found, _from_totals(period_keys, year, status_groups, purchasers, first - 1), sign=-1)
        for day_first, day_last in days:
            _add(found, _scanned(period_keys, year, status_groups, purchasers, day_first, day_last), sign=1)
    for fen_table, n_table in found:  # a purchaser whose records cancel out has no figure
        for key in list(n_table):
            for pid in [pid for pid, n in n_table[key].items() if not n]:
                del n_table[key][pid], fen_table[key][pid]
    return found


def split_period(
    start: dt.date, last: dt.date
) -> tuple[tuple[int, int] | None, list[tuple[dt.date, dt.date]]]:
    """A period within one year as (first and last whole month, or None) and the days outside them."""
    if start.year != last.year or start > last:
        return None, [(start, last)] if start <= last else []
    first = start.month if start.day == 1 else start.month + 1
    final = last.month if last == month_end(last.year, last.month) else last.month - 1
    if first > final:
        return None, [(start, last)]
    days = []
    if start.day != 1:
        days.append((start, month_end(start.year, start.month)))
    if last != month_end(last.year, last.month):
        days.append((dt.date(last.year, last.month, 1), last))
    return (first, final), days


#: The statuses the running totals keep (the ones that can count).
TOTAL_STATUSES = frozenset({RecordStatus.APPROVED, RecordStatus.SUBMITTED})
_COLUMNS: dict[str, tuple[str, str]] = {
    str(RecordStatus.APPROVED): ("approved_fen", "approved_n"),
    str(RecordStatus.SUBMITTED): ("submitted_fen", "submitted_n"),
}
Part = list[tuple[SumsKey, int, dict[int, int], dict[int, int]]]  # (key, group, fen by purchaser, records)


def _from_totals(
    keys: Sequence[SumsKey],
    year: int,
    status_groups: Sequence[Sequence[str]],
    purchasers: set[int] | None,
    month: int,
) -> Part:
    """The running totals as of ``month``'s end, per purchaser, for every (filter, status group)."""
    aggregates: dict[str, Any] = {}
    cells: Part = []
    for key in keys:
        admits = admitted(key, year)
        for number, group in enumerate(status_groups):
            fen = sum((F(_COLUMNS[status][0]) for status in group), Value(0))
            n = sum((F(_COLUMNS[status][1]) for status in group), Value(0))
            aggregates[f"fen_{len(cells)}"] = Sum(fen, filter=admits)
            aggregates[f"n_{len(cells)}"] = Sum(n, filter=admits)
            cells.append((key, number, {}, {}))
    qs = PurchaseTotal.objects.filter(year=year, month=month)
    if purchasers is not None:
        qs = qs.filter(purchaser_id__in=sorted(purchasers))
    for row in _fetched(qs.order_by().values_list("purchaser_id").annotate(**aggregates)):
        for index, (_key, _number, fen_table, n_table) in enumerate(cells):
            fen, n = row[1 + 2 * index], row[2 + 2 * index]
            if n or fen:
                fen_table[row[0]], n_table[row[0]] = int(fen or 0), int(n or 0)
    return cells


def _scanned(
    keys: Sequence[SumsKey],
    year: int,
    status_groups: Sequence[Sequence[str]],
    purchasers: set[int] | None,
    first: dt.date,
    last: dt.date,
) -> Part:
    """The records of a few days themselves (the part of a month a period covers), per purchaser. For
    every purchaser the range is read from the date-first covering index ``purchase_date_id``; for a few
    (a unit's page) from the purchaser-first ``purchase_progress``, the date written ``Unindexed`` so
    that SQLite keeps to it."""
    every_status = sorted({status for group in status_groups for status in group})
    aggregates: dict[str, Any] = {}
    cells: Part = []
    either = Q()
    for key in keys:
        admits = admitted(key, year)
        either |= Q(status__in=every_status) & admits
        for number, group in enumerate(status_groups):
            condition = Q(status__in=list(group)) & admits
            aggregates[f"fen_{len(cells)}"] = Sum("amount_fen", filter=condition)
            aggregates[f"n_{len(cells)}"] = Count("id", filter=condition)
            cells.append((key, number, {}, {}))
    if purchasers is None:
        qs = Purchase.objects.filter(either, date__gte=first, date__lte=last, purchaser_id__isnull=False)
    else:
        qs = Purchase.objects.alias(scan_date=Unindexed("date", output_field=DateField())).filter(
            either, scan_date__gte=first, scan_date__lte=last, purchaser_id__in=sorted(purchasers)
        )
    for row in _fetched(qs.order_by().values_list("purchaser_id").annotate(**aggregates)):
        for index, (_key, _number, fen_table, n_table) in enumerate(cells):
            fen, n = row[1 + 2 * index], row[2 + 2 * index]
            if n:
                fen_table[row[0]], n_table[row[0]] = int(fen or 0), int(n)
    return cells


def _fetched(qs: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a grouped query as the driver returns them: thousands of rows of plain integers
    need none of the ORM's per-row converters (a third of the sums' time). Callers make them ``int``."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _add(found: list[tuple[SumTable, SumTable]], part: Part, *, sign: int) -> None:
    for key, number, fens, counts in part:
        fen_table, n_table = found[number][0][key], found[number][1][key]
        for pid, fen in fens.items():
            fen_table[pid] = fen_table.get(pid, 0) + sign * fen
        for pid, n in counts.items():
            n_table[pid] = n_table.get(pid, 0) + sign * n


def merged(a: SumTable, b: SumTable) -> SumTable:
    table_of: SumTable = {}
    for key in set(a) | set(b):
        table = dict(a.get(key, {}))
        for purchaser, value in b.get(key, {}).items():
            table[purchaser] = table.get(purchaser, 0) + value
        table_of[key] = table
    return table_of


# --- month by month ----------------------------------------------------------------------------------


class Month(Func):
    """The calendar month (1–12) of a date column. SQLite stores dates as ISO text; reading the month
    from the text avoids Django's per-row Python date function there."""

    template = "CAST(EXTRACT(MONTH FROM %(expressions)s) AS integer)"
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(substr(%(expressions)s, 6, 2) AS integer)", **extra_context
        )


MonthTable = dict[SumsKey, dict[int, dict[str, list[int]]]]


def _month_windows(key: SumsKey, year: int) -> list[tuple[int, SumsKey]]:
    """(month, the filter narrowed to that month) for each month of the year the filter's period meets."""
    windows = []
    for month in range(1, 13):
        first = max(key.start, dt.date(year, month, 1))
        last = min(key.last, month_end(year, month))
        if first <= last:
            windows.append((month, key._replace(start=first, last=last)))
    return windows


def monthly_table(purchasers: Mapping[SumsKey, set[int]], year: int, statuses: list[str]) -> MonthTable:
    """{filter: {purchaser: {status: [fen in January … December]}}} for the given purchasers of each
    filter, up to the filter's last day: whole months from the running totals (:func:`grouped_sums`)."""
    table: MonthTable = {}
    for key, ids in purchasers.items():
        cells: dict[int, dict[str, list[int]]] = {}
        if ids:
            for month, window in _month_windows(key, year):
                groups = grouped_sums([window], year, [[status] for status in statuses], set(ids))
                for status, (fens, _counts) in zip(statuses, groups, strict=True):
                    for purchaser_id, fen in fens[window].items():
                        months = cells.setdefault(purchaser_id, {}).setdefault(status, [0] * 12)
                        months[month - 1] += fen
        table[key] = cells
    return table


def monthly_totals(
    purchasers: Mapping[SumsKey, set[int]], year: int, statuses: list[str]
) -> dict[str, list[int]]:
    """{status: [fen in January … December]} over the given purchasers of each filter (which must not
    overlap between lines)."""
    totals = {status: [0] * 12 for status in statuses}
    for by_purchaser in monthly_table(purchasers, year, statuses).values():
        for by_status in by_purchaser.values():
            for status, months in by_status.items():
                for index, fen in enumerate(months):
                    totals[status][index] += fen
    return totals
