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
import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from .choices import RecordStatus
from .models import Purchase, PurchaseTotal, TotalsChange

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
    """Add a delta to the stored totals (each key's month to December), upserting rows; the purchasers
    it names are noted as changed (:func:`changes_note`), even where their figures cancel out (a record
    moved within a month still moves a figure read by the day)."""
    changes_note({key[2] for key in delta})
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


# --- which purchasers changed ---------------------------------------------------------------------------

#: Changes are kept this long for readers to catch up (a reader's figures live far less: ``progress.live``).
CHANGES_KEPT = dt.timedelta(days=1)


def changes_note(purchasers: Collection[int] | None) -> None:
    """Note, in the current transaction, that these purchasers' totals changed (None: everyone's)."""
    if purchasers is not None and not purchasers:
        return
    table = connection.ops.quote_name(TotalsChange._meta.db_table)
    postgres = connection.vendor == "postgresql"
    txid = "pg_current_xact_id()::text::bigint" if postgres else "NULL"
    now = timezone.now()
    rows: list[tuple[int | None, Any]] = [(pid, now) for pid in sorted(purchasers or ())] or [(None, now)]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (purchaser_id, txid, created_at) VALUES (%s, {txid}, %s)", rows
        )
        # Old notes go; on PostgreSQL without waiting for rows another writer is deleting.
        skip = " FOR UPDATE SKIP LOCKED" if postgres else ""
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE created_at < %s{skip})",
            [now - CHANGES_KEPT],
        )


@dataclass(frozen=True)
class Horizon:
    """Where a reader of the change notes stands (:func:`totals_changed_since`). ``position``: on SQLite
    the newest note id read; on PostgreSQL the oldest transaction still running when the notes were
    read. ``seen``: on PostgreSQL, the transactions at or after ``position`` whose notes were read
    already (a transaction's notes commit together), so that a long-running one holding ``position``
    back does not make every later write read again and again."""

    position: int
    seen: frozenset[int] = frozenset()


def totals_horizon() -> Horizon:
    """Where the notes stand now: read figures after taking this, then ask
    :func:`totals_changed_since` with it for what changed since."""
    return totals_changed_since(None)[1]


def totals_changed_since(horizon: Horizon | None) -> tuple[set[int] | None, Horizon]:
    """(the purchasers whose totals changed since ``horizon`` — None for everyone's —, the new
    horizon). Outside a transaction (autocommit), so that what it reads is committed.

    SQLite commits one writer at a time, in the order of the notes' ids: the horizon is the newest id
    read. On PostgreSQL transactions take ids in one order and commit in another; the horizon is the
    oldest transaction still running when the notes were read (``pg_snapshot_xmin``): every transaction
    before it has finished, so the notes of transactions from it on are read again next time, less
    those already seen."""
    table = connection.ops.quote_name(TotalsChange._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
                "pg_current_xact_id_if_assigned()::text::bigint"
            )
            position, own = cursor.fetchone()
            if horizon is None:
                return set(), Horizon(int(position))
            cursor.execute(
                f"SELECT DISTINCT txid, purchaser_id FROM {table} WHERE txid >= %s", [horizon.position]
            )
            fetched = [(txid, pid) for txid, pid in cursor.fetchall() if txid not in horizon.seen]
            # A transaction's notes are seen all at once, when it commits — but for one's own, still open
            # (a reader inside a writing transaction, as tests are): those are read again each time.
            seen = frozenset({txid for txid, _pid in fetched if txid != own} | horizon.seen)
            new = Horizon(position, frozenset(txid for txid in seen if txid >= position))
        else:
            if horizon is None:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
                return set(), Horizon(int(cursor.fetchone()[0]))
            cursor.execute(f"SELECT id, purchaser_id FROM {table} WHERE id > %s", [horizon.position])
            fetched = cursor.fetchall()
            new = Horizon(max((row[0] for row in fetched), default=horizon.position))
    found = [pid for _order, pid in fetched]
    if any(pid is None for pid in found):
        return None, new
    return {int(pid) for pid in found}, new


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
    changes_note(purchasers)
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
