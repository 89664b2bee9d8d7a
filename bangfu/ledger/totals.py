"""Keeping the running totals of purchases (:class:`~bangfu.ledger.models.PurchaseTotal`) current.

Every write to a purchase goes through a ledger service, and every service that writes purchases changes
the totals in the same transaction, by one of two means:

- a **delta** computed from rows it writes itself (the import's prepared rows, a new purchase):
  :func:`delta_add` then :func:`totals_apply`;
- a **tracked** change of existing records (a review, an edit, a deletion, a completion from another
  source, a unit merge): ``with totals_tracked(ids): …`` reads what those records contribute before and
  after the change, and applies the difference.

A total is cumulative: a purchase dated in March adds to the rows of March to December of its year, so a
figure as of a month's end reads one row per (purchaser, county, channel, category). Only submitted and
approved records contribute (the statuses that can count); drafts and returned records do not.

``bangfu totals check`` (:func:`totals_differences`) recomputes the totals from the records and lists any
difference; ``bangfu totals rebuild`` (:func:`totals_rebuild`) rebuilds them.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from .choices import RecordStatus
from .models import Purchase, PurchaseTotal

#: (year, first month, purchaser id, origin county id or 0, channel, category)
Key = tuple[int, int, int, int, str, str]
#: key → [approved fen, approved records, submitted fen, submitted records]; applies from the key's month to
#: December of its year.
Delta = dict[Key, list[int]]

_SLOT: dict[str, int] = {str(RecordStatus.APPROVED): 0, str(RecordStatus.SUBMITTED): 2}
_VALUES = ("approved_fen", "approved_n", "submitted_fen", "submitted_n")
_KEY_COLUMNS = ("year", "month", "purchaser_id", "origin_region_id", "channel", "category")
_CHUNK = 1000


def new_delta() -> Delta:
    return defaultdict(lambda: [0, 0, 0, 0])


def delta_add(
    delta: Delta,
    *,
    status: str,
    date: Any,
    purchaser_id: int | None,
    region_id: int | None,
    channel: str,
    category: str,
    amount_fen: int,
    sign: int = 1,
) -> None:
    """Add (``sign`` 1) or take away (-1) one record's contribution. ``date`` is a date or its ISO text
    (as the import holds it for the database)."""
    slot = _SLOT.get(status)
    if slot is None or purchaser_id is None:
        return  # drafts and returned records never count; nor does a purchase no unit made
    text = date if isinstance(date, str) else date.isoformat()
    cell = delta[(int(text[:4]), int(text[5:7]), purchaser_id, region_id or 0, channel, category or "")]
    cell[slot] += sign * amount_fen
    cell[slot + 1] += sign


def totals_apply(delta: Delta) -> None:
    """Add a delta to the stored totals (each key's month to December), upserting rows."""
    rows: list[tuple[Any, ...]] = []
    for (year, month, *rest), values in delta.items():
        if any(values):
            rows.extend((year, m, *rest, *values) for m in range(month, 13))
    if not rows:
        return
    table = connection.ops.quote_name(PurchaseTotal._meta.db_table)
    keys = ", ".join(_KEY_COLUMNS)
    columns = ", ".join((*_KEY_COLUMNS, *_VALUES))
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in _VALUES)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * (len(_KEY_COLUMNS) + len(_VALUES)))}) "
        f"ON CONFLICT ({keys}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def delta_of(records: Iterable[Any], *, sign: int = 1, delta: Delta | None = None) -> Delta:
    """The contribution of purchase objects (or anything with their fields)."""
    delta = new_delta() if delta is None else delta
    for record in records:
        delta_add(
            delta,
            status=record.status,
            date=record.date,
            purchaser_id=record.purchaser_id,
            region_id=record.origin_region_id,
            channel=record.channel,
            category=record.category,
            amount_fen=record.amount_fen,
            sign=sign,
        )
    return delta


def _contributions(ids: Collection[int]) -> Delta:
    """What the stored records with these ids contribute, read in chunks."""
    delta = new_delta()
    wanted = sorted(ids)
    for start in range(0, len(wanted), _CHUNK):
        rows = Purchase.objects.filter(
            pk__in=wanted[start : start + _CHUNK], status__in=list(_SLOT), purchaser_id__isnull=False
        ).values_list(
            "status", "date", "purchaser_id", "origin_region_id", "channel", "category", "amount_fen"
        )
        for status, date, purchaser_id, region_id, channel, category, fen in rows:
            delta_add(
                delta,
                status=status,
                date=date,
                purchaser_id=purchaser_id,
                region_id=region_id,
                channel=channel,
                category=category,
                amount_fen=fen,
            )
    return delta


def subtract(after: Delta, before: Delta) -> Delta:
    delta = new_delta()
    for key, values in after.items():
        delta[key] = list(values)
    for key, values in before.items():
        cell = delta[key]
        for index, value in enumerate(values):
            cell[index] -= value
    return delta


@contextlib.contextmanager
def totals_tracked(ids: Iterable[int]) -> Iterator[None]:
    """Around a change of existing records (by id): the totals follow what the records contribute
    before and after. Must run inside the change's transaction."""
    wanted = {int(pk) for pk in ids}
    before = _contributions(wanted)
    yield
    totals_apply(subtract(_contributions(wanted), before))


# --- checking and rebuilding ---------------------------------------------------------------------------


def _recomputed(purchasers: Collection[int] | None = None) -> dict[Key, list[int]]:
    """Cumulative totals recomputed from the records: (year, month, purchaser, county, channel, category)
    → values, one row per month from the first with a record to December. The month sums are the
    database's (one grouped query); only their running sums are added up here."""
    qs = Purchase.objects.filter(status__in=list(_SLOT), purchaser_id__isnull=False)
    if purchasers is not None:
        qs = qs.filter(purchaser_id__in=sorted(purchasers))
    approved, submitted = Q(status=RecordStatus.APPROVED), Q(status=RecordStatus.SUBMITTED)
    monthly = (
        qs.order_by()
        .annotate(year=ExtractYear("date"), month=ExtractMonth("date"))
        .values_list("year", "month", "purchaser_id", "origin_region_id", "channel", "category")
        .annotate(
            af=Sum("amount_fen", filter=approved),
            an=Count("id", filter=approved),
            sf=Sum("amount_fen", filter=submitted),
            sn=Count("id", filter=submitted),
        )
    )
    by_series: dict[tuple[Any, ...], dict[int, list[int]]] = defaultdict(dict)
    for year, month, purchaser_id, region_id, channel, category, af, an, sf, sn in monthly.iterator(
        chunk_size=10_000
    ):
        series = by_series[(int(year), purchaser_id, region_id or 0, channel, category or "")]
        cell = series.setdefault(int(month), [0, 0, 0, 0])
        for index, value in enumerate((af, an, sf, sn)):
            cell[index] += int(value or 0)
    cumulative: dict[Key, list[int]] = {}
    for (year, *rest), months in by_series.items():
        running = [0, 0, 0, 0]
        for month in range(min(months), 13):
            for index, value in enumerate(months.get(month, (0, 0, 0, 0))):
                running[index] += value
            cumulative[(year, month, *rest)] = list(running)
    return cumulative


def _stored(purchasers: Collection[int] | None = None) -> dict[Key, list[int]]:
    qs = PurchaseTotal.objects.all()
    if purchasers is not None:
        qs = qs.filter(purchaser_id__in=sorted(purchasers))
    return {
        (y, m, p, r, c, g): [af, an, sf, sn]
        for y, m, p, r, c, g, af, an, sf, sn in qs.values_list(*_KEY_COLUMNS, *_VALUES).iterator(
            chunk_size=10_000
        )
    }


@dataclass(frozen=True)
class Difference:
    key: Key
    stored: tuple[int, int, int, int]
    recomputed: tuple[int, int, int, int]

    def text(self) -> str:
        year, month, purchaser, region, channel, category = self.key
        return (
            f"{year}年{month}月 单位{purchaser} 产地{region or '无'} 渠道{channel} 类别{category or '无'}："
            f"已存 {self.stored}，按记录应为 {self.recomputed}（已审核金额分、条数、已提交金额分、条数）"
        )


def totals_differences(purchasers: Collection[int] | None = None) -> list[Difference]:
    """Every total that differs from a recomputation from the records (rows of zeros count as absent)."""
    stored, recomputed = _stored(purchasers), _recomputed(purchasers)
    zero = (0, 0, 0, 0)
    found = []
    for key in sorted(set(stored) | set(recomputed)):
        a = tuple(stored.get(key, zero))
        b = tuple(recomputed.get(key, zero))
        if a != b:
            found.append(Difference(key, a, b))  # type: ignore[arg-type]
    return found


@transaction.atomic
def totals_rebuild(purchasers: Collection[int] | None = None) -> int:
    """Replace the stored totals (of these purchasers, or all) by a recomputation; returns the rows."""
    stale = PurchaseTotal.objects.all()
    if purchasers is not None:
        stale = stale.filter(purchaser_id__in=sorted(purchasers))
    stale.delete()
    rows: list[tuple[Any, ...]] = [(*key, *values) for key, values in _recomputed(purchasers).items()]
    table = connection.ops.quote_name(PurchaseTotal._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join((*_KEY_COLUMNS, *_VALUES))}) "
        f"VALUES ({', '.join(['%s'] * (len(_KEY_COLUMNS) + len(_VALUES)))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10_000):
            cursor.executemany(sql, rows[start : start + 10_000])
    return len(rows)


def totals_after_merge(source_id: int, into_id: int) -> None:
    """A unit merged into another: its records now belong to ``into``; so do its totals."""
    totals_rebuild({source_id, into_id})
