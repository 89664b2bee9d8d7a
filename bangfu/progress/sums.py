"""The purchases behind progress, summed in the database: per purchaser for every eligibility filter at
once, and month by month for the trend. The SQL tuning the sums rely on lives here and nowhere else
(the date written so that SQLite keeps to the covering index ``purchase_progress``, filtered aggregates
instead of one query per filter, the month read from SQLite's date text); which records a filter admits
is :func:`progress.rules.eligible`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import Count, DateField, Func, IntegerField, Q, Sum

from bangfu.common.dates import month_end
from bangfu.ledger.models import Purchase
from bangfu.ledger.query_plans import Unindexed

from .rules import SumsKey, admitted, eligible

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

    Filters that share a period are computed in one pass over the covering index ``purchase_progress``,
    each (filter, status group) as a filtered aggregate (``SUM(…) FILTER (WHERE …)``) — one scan of a
    million rows instead of one per filter, grouped by purchaser alone so that the scan streams along
    the index instead of sorting. The date range is written ``Unindexed`` so that SQLite walks that
    covering (purchaser, status, date, …) index rather than the date index plus a temporary sort —
    without statistics it prefers the latter and is ten times slower on a million rows."""
    found: list[tuple[SumTable, SumTable]] = [({}, {}) for _group in status_groups]
    every_status = sorted({status for group in status_groups for status in group})
    by_period: dict[tuple[dt.date, dt.date], list[SumsKey]] = defaultdict(list)
    for key in set(keys):
        by_period[(key.start, key.last)].append(key)
    for (start, last), period_keys in by_period.items():
        aggregates: dict[str, Any] = {}
        cells: list[tuple[dict[int, int], dict[int, int]]] = []  # the tables each pair of aggregates fills
        either = Q()
        for key in period_keys:
            admits = admitted(key, year)
            either |= Q(status__in=every_status) & admits
            for number, group in enumerate(status_groups):
                condition = Q(status__in=list(group)) & admits
                aggregates[f"fen_{len(cells)}"] = Sum("amount_fen", filter=condition)
                aggregates[f"n_{len(cells)}"] = Count("id", filter=condition)
                found[number][0][key], found[number][1][key] = {}, {}
                cells.append((found[number][0][key], found[number][1][key]))
        qs = Purchase.objects.alias(scan_date=Unindexed("date", output_field=DateField())).filter(
            either, scan_date__gte=start, scan_date__lte=last, purchaser_id__isnull=False
        )
        if purchasers is not None:
            qs = qs.filter(purchaser_id__in=sorted(purchasers))
        for row in qs.order_by().values_list("purchaser_id").annotate(**aggregates):
            pid = row[0]
            for index, (fen_table, n_table) in enumerate(cells):
                fen, n = row[1 + 2 * index], row[2 + 2 * index]
                if n:
                    fen_table[pid] = int(fen)
                    n_table[pid] = n
    return found


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


def monthly_table(purchasers: Mapping[SumsKey, set[int]], year: int, statuses: list[str]) -> MonthTable:
    """{filter: {purchaser: {status: [fen in January … December]}}} for the given purchasers of each
    filter: one grouped query per distinct eligibility filter (up to the filter's last day)."""
    table: MonthTable = {}
    for key, ids in purchasers.items():
        cells: dict[int, dict[str, list[int]]] = {}
        rows = (
            Purchase.objects.filter(eligible(key, year, statuses), purchaser_id__in=sorted(ids))
            .order_by()
            .annotate(month=Month("date"))
            .values_list("purchaser_id", "status", "month")
            .annotate(total=Sum("amount_fen"))
        )
        for purchaser_id, status, month, total in rows:
            months = cells.setdefault(purchaser_id, {}).setdefault(status, [0] * 12)
            months[int(month) - 1] += int(total)
        table[key] = cells
    return table


def monthly_totals(
    purchasers: Mapping[SumsKey, set[int]], year: int, statuses: list[str]
) -> dict[str, list[int]]:
    """{status: [fen in January … December]} over the given purchasers of each filter (which must not
    overlap between lines): one small query per filter and month (each reads only that month's part of
    the (purchaser, date …) index)."""
    totals = {status: [0] * 12 for status in statuses}
    aggregates = {status: Sum("amount_fen", filter=Q(status=status)) for status in statuses}
    for key, ids in purchasers.items():
        if not ids:
            continue
        for month in range(1, 13):
            first = max(key.start, dt.date(year, month, 1))
            last = min(key.last, month_end(year, month))
            if first > last:
                continue
            window = key._replace(start=first, last=last)
            found = Purchase.objects.filter(eligible(window, year, statuses), purchaser_id__in=sorted(ids))
            for status, fen in found.aggregate(**aggregates).items():
                totals[status][month - 1] += int(fen or 0)
    return totals
