"""Two sources of one purchase complete each other; where they disagree, the coordinator is asked.

The same order can reach bangfu twice: in a town's ledger (which may lack the origin, or say nothing of
the channel) and in the 832 platform's export (which carries both). The record is stored once (the
de-duplication key: order number and amount); what the second source knows and the stored record lacks
— origin, the 832 channel, supplier, purchaser — **completes** it, in the import's transaction, with an
``enrich`` event in the record's history. Where both sources say something and it differs (another
origin, another channel; or the same order number with another amount, which the key keeps apart), the
record is **flagged** (:class:`~bangfu.ledger.models.PurchaseFlag`) and nothing is resolved by "first seen
wins". Flags also mark an 832-platform purchase whose county is not an 832 county, and a single purchase
above ``BANGFU_PLAUSIBLE_MAX_YUAN``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from bangfu.common.money import format_yuan
from bangfu.regions.models import Region

from ..choices import ApprovalAction, Channel, FlagKind
from ..models import ApprovalEvent, ImportBatch, Purchase, PurchaseFlag
from ..totals import totals_tracked
from .writing import among, chunks

#: A channel that says nothing (a ledger without a channel column): completed by a source that says more.
UNKNOWN_CHANNELS = frozenset({Channel.OTHER, ""})


@dataclass(frozen=True, slots=True)
class Stored:
    """What a stored purchase says about the fields another source may complete or contradict."""

    id: int
    purchaser_id: int | None
    origin: str
    origin_region_id: int | None
    channel: str
    supplier: str
    supplier_ref_id: int | None
    status: str


@dataclass(frozen=True, slots=True)
class Incoming:
    """What a duplicate row of another source says, and where it is."""

    purchaser_id: int | None
    origin: str
    origin_region_id: int | None
    channel: str
    supplier: str
    supplier_ref_id: int | None
    sheet: str
    row: int
    #: Where the incoming origin was inferred from ("" when written in its cell).
    origin_inferred_from: str = ""


@dataclass(frozen=True, slots=True)
class Conflict:
    purchase_id: int
    kind: str
    field: str
    stored_value: str
    incoming_value: str
    sheet: str
    row: int
    message: str
    #: For an amount conflict: the dedupe key of the incoming record (its id is known once written).
    other_key: str = ""


@dataclass
class EnrichmentPlan:
    """What an import will complete and flag: filled fields per stored purchase, and the conflicts."""

    fills: dict[int, dict[str, Any]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    #: Per stored purchase, where its completion came from (the first row that completed it).
    sources: dict[int, tuple[str, int]] = field(default_factory=dict)

    @property
    def enriched(self) -> int:
        return len(self.fills)


_STORED_COLUMNS = (
    "dedupe_key, id, purchaser_id, origin, origin_region_id, channel, supplier, supplier_ref_id, status"
)


def stored_facts(keys: Iterable[str]) -> dict[str, Stored]:
    """The stored purchases with these de-duplication keys, as far as completion needs them."""
    table = connection.ops.quote_name(Purchase._meta.db_table)
    keys = list(keys)
    found: dict[str, Stored] = {}
    with connection.cursor() as cursor:
        for chunk in chunks(keys):
            condition, params = among("dedupe_key", chunk)
            cursor.execute(f"SELECT {_STORED_COLUMNS} FROM {table} WHERE {condition}", params)
            for key, *values in cursor.fetchall():
                found[key] = Stored(*values)
    return found


def other_amounts(order_keys: Iterable[str]) -> dict[str, list[tuple[int, int]]]:
    """order key → [(purchase id, amount in fen)] of the stored purchases with that order number."""
    table = connection.ops.quote_name(Purchase._meta.db_table)
    keys = sorted(set(order_keys))
    found: dict[str, list[tuple[int, int]]] = {}
    with connection.cursor() as cursor:
        for chunk in chunks(keys):
            condition, params = among("order_key", chunk)
            cursor.execute(
                f"SELECT order_key, id, amount_fen FROM {table} WHERE order_key <> '' AND {condition}", params
            )
            for key, pk, amount in cursor.fetchall():
                found.setdefault(key, []).append((pk, amount))
    return found


@dataclass(frozen=True, slots=True)
class Original:
    """A stored purchase a refund may reduce, with what the refund takes from it when it lacks it."""

    id: int
    amount_fen: int
    purchaser_id: int | None
    origin_region_id: int | None
    origin_inferred_from: str
    channel: str
    category: str


def originals_for(order_keys: Iterable[str]) -> dict[str, list[Original]]:
    """order key → the stored purchases (not refunds) with that order or invoice number, oldest first."""
    table = connection.ops.quote_name(Purchase._meta.db_table)
    keys = sorted(set(order_keys))
    found: dict[str, list[Original]] = {}
    with connection.cursor() as cursor:
        for chunk in chunks(keys):
            condition, params = among("order_key", chunk)
            cursor.execute(
                f"SELECT order_key, id, amount_fen, purchaser_id, origin_region_id, origin_inferred_from, "
                f"channel, category FROM {table} WHERE order_key <> '' AND {condition} AND amount_fen > 0 "
                "ORDER BY id",
                params,
            )
            for key, *values in cursor.fetchall():
                found.setdefault(key, []).append(Original(*values))
    return found


def content_original(purchaser_id: int | None, product: str, refund_fen: int, date: Any) -> Original | None:
    """The stored purchase a refund line without an order number reduces: the same purchaser's purchase
    of the same product (as written) — the one whose amount it refunds exactly first, then the latest on
    or before the refund's ``date`` (None: any date), then the latest. None when there is none."""
    if purchaser_id is None or not product:
        return None
    table = connection.ops.quote_name(Purchase._meta.db_table)
    sql = (
        f"SELECT id, amount_fen, purchaser_id, origin_region_id, origin_inferred_from, channel, category "
        f"FROM {table} WHERE purchaser_id = %s AND product = %s AND amount_fen > 0 "
        "ORDER BY CASE WHEN amount_fen = %s THEN 0 ELSE 1 END, "
    )
    params: list[Any] = [purchaser_id, product, -refund_fen]
    if date is not None:
        sql += "CASE WHEN date <= %s THEN 0 ELSE 1 END, "
        params.append(date)
    with connection.cursor() as cursor:
        cursor.execute(sql + "date DESC, id DESC LIMIT 1", params)
        found = cursor.fetchone()
    return Original(*found) if found else None


def refunded_original(originals: list[Original], refund_fen: int) -> Original:
    """The purchase a refund reduces: the one of its order whose amount it refunds exactly, else the
    first."""
    for original in originals:
        if original.amount_fen == -refund_fen:
            return original
    return originals[0]


def _channel_label(code: str) -> str:
    return str(Channel(code).label) if code in Channel.values else code


def compare(stored: Stored, incoming: Incoming, plan: EnrichmentPlan, region_names: dict[int, str]) -> None:
    """Add to ``plan`` what ``incoming`` completes on ``stored`` and where they disagree."""
    fills = plan.fills.get(stored.id, {})
    where = f"工作表“{incoming.sheet}”第{incoming.row}行"

    def conflict(name: str, label: str, old: str, new: str) -> None:
        plan.conflicts.append(
            Conflict(
                purchase_id=stored.id,
                kind=FlagKind.SOURCE_CONFLICT,
                field=name,
                stored_value=old,
                incoming_value=new,
                sheet=incoming.sheet,
                row=incoming.row,
                message=f"同一笔采购的{label}不一致：已有记录为“{old}”，{where}为“{new}”，请核实。",
            )
        )

    if incoming.origin_region_id is not None:
        if stored.origin_region_id is None and "origin_region_id" not in fills:
            fills["origin_region_id"] = incoming.origin_region_id
            if incoming.origin:
                fills["origin"] = incoming.origin
            fills["origin_inferred_from"] = incoming.origin_inferred_from
        elif not incoming.origin_inferred_from and stored.origin_region_id not in (
            None,
            incoming.origin_region_id,
        ):
            conflict(
                "origin",
                "产地",
                region_names.get(stored.origin_region_id, stored.origin)
                if stored.origin_region_id
                else stored.origin,
                region_names.get(incoming.origin_region_id, incoming.origin),
            )
    if incoming.channel not in UNKNOWN_CHANNELS:
        if stored.channel in UNKNOWN_CHANNELS and "channel" not in fills:
            fills["channel"] = incoming.channel
        elif stored.channel not in UNKNOWN_CHANNELS and stored.channel != incoming.channel:
            conflict("channel", "采购渠道", _channel_label(stored.channel), _channel_label(incoming.channel))
    if incoming.supplier and not stored.supplier and "supplier" not in fills:
        fills["supplier"] = incoming.supplier
        if incoming.supplier_ref_id is not None and stored.supplier_ref_id is None:
            fills["supplier_ref_id"] = incoming.supplier_ref_id
    if incoming.purchaser_id is not None and incoming.purchaser_id > 0 and stored.purchaser_id is None:
        fills.setdefault("purchaser_id", incoming.purchaser_id)
    if fills:
        plan.fills[stored.id] = fills
        plan.sources.setdefault(stored.id, (incoming.sheet, incoming.row))


def amount_conflict(
    stored_id: int, stored_fen: int, incoming_fen: int, sheet: str, row: int, other_key: str
) -> Conflict:
    return Conflict(
        purchase_id=stored_id,
        kind=FlagKind.SOURCE_CONFLICT,
        field="amount",
        stored_value=format_yuan(stored_fen),
        incoming_value=format_yuan(incoming_fen),
        sheet=sheet,
        row=row,
        message=(
            f"同一订单号的金额不一致：已有记录 {format_yuan(stored_fen)} 元，工作表“{sheet}”第{row}行 "
            f"{format_yuan(incoming_fen)} 元；两条都已计入，请核实是否为同一笔采购（重复计算）或订单的不同明细。"
        ),
        other_key=other_key,
    )


def plausible_max_fen() -> int:
    return int(settings.BANGFU_PLAUSIBLE_MAX_YUAN) * 100


def row_flags(
    *,
    amount_fen: int,
    channel: str,
    origin_region_id: int | None,
    non_832: frozenset[int],
    sheet: str,
    row: int,
    limit: int | None = None,
) -> list[tuple[str, str]]:
    """(kind, message) of the flags a new record gets: an 832 purchase from a county that is not an 832
    county; a single purchase above the plausibility amount (``limit``: :func:`plausible_max_fen`, read
    once by a caller that checks many rows)."""
    if limit is None:
        limit = plausible_max_fen()
    odd_origin = (
        channel == Channel.PLATFORM_832 and origin_region_id is not None and origin_region_id in non_832
    )
    if not odd_origin and not (limit and amount_fen > limit):
        return []  # nearly every row: nothing to say, no message composed
    where = f"工作表“{sheet}”第{row}行" if sheet else "该记录"
    found: list[tuple[str, str]] = []
    if odd_origin:
        found.append(
            (FlagKind.CHANNEL_ORIGIN, f"{where}经832平台采购，但产地不是832平台县，请核实产地或渠道。")
        )
    if limit and amount_fen > limit:
        found.append(
            (
                FlagKind.IMPLAUSIBLE_AMOUNT,
                f"{where}单笔金额 {format_yuan(amount_fen)} 元，超过 {format_yuan(limit)} 元，请核实金额和单位（元/万元）。",
            )
        )
    return found


def non_832_region_ids() -> frozenset[int]:
    """Regions known not to be 832 counties (a region bangfu knows nothing about is not flagged)."""
    return frozenset(Region.objects.filter(is_832=False).values_list("pk", flat=True))


def region_names() -> dict[int, str]:
    return dict(Region.objects.values_list("pk", "county"))


# --- writing -------------------------------------------------------------------------------------


def purchases_complete(plan: EnrichmentPlan, *, batch: ImportBatch, user: Any) -> int:
    """Fill what the plan completes on stored purchases, each with an ``enrich`` event; returns how many."""
    if not plan.fills:
        return 0
    with totals_tracked(list(plan.fills)):
        return _complete(plan, batch=batch, user=user)


def _complete(plan: EnrichmentPlan, *, batch: ImportBatch, user: Any) -> int:
    now = timezone.now()
    current = {
        p.pk: p
        for p in Purchase.objects.filter(pk__in=list(plan.fills)).only(
            "pk",
            "status",
            "origin",
            "origin_region_id",
            "channel",
            "supplier",
            "supplier_ref_id",
            "purchaser_id",
        )
    }
    events = []
    for pk, fills in plan.fills.items():
        purchase = current.get(pk)
        if purchase is None:
            continue
        # Only what is still empty: a completion never overwrites (another import may have filled it).
        fills = {
            name: value
            for name, value in fills.items()
            if getattr(purchase, name) in (None, "")
            or (name == "channel" and purchase.channel in UNKNOWN_CHANNELS)
        }
        if not fills:
            continue
        Purchase.objects.filter(pk=pk).update(updated_at=now, **fills)
        sheet, row = plan.sources.get(pk, ("", 0))
        events.append(
            ApprovalEvent(
                purchase_id=pk,
                actor=user if getattr(user, "pk", None) else None,
                action=ApprovalAction.ENRICH,
                from_status=purchase.status,
                to_status=purchase.status,
                comment=f"由导入批次 {batch.pk}（{batch.file_name}，工作表“{sheet}”第{row}行）补全",
                changes={
                    name: [_json(getattr(purchase, name)), _json(value)] for name, value in fills.items()
                },
            )
        )
    ApprovalEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


def _json(value: Any) -> Any:
    return value if value is None or isinstance(value, int | str) else str(value)


def flags_create(
    conflicts: Iterable[Conflict],
    row_flagged: Iterable[tuple[str, str, str, int, str]],
    *,
    batch: ImportBatch,
    ids_by_key: dict[str, int],
) -> int:
    """Store the flags of an import: conflicts on stored purchases and flags of new records
    (kind, message, sheet, row, dedupe key); returns how many."""
    flags = [
        PurchaseFlag(
            purchase_id=c.purchase_id,
            other_id=ids_by_key.get(c.other_key) if c.other_key else None,
            kind=c.kind,
            field=c.field,
            stored_value=c.stored_value[:200],
            incoming_value=c.incoming_value[:200],
            batch=batch,
            sheet=c.sheet[:100],
            row_number=c.row or None,
            message=c.message,
        )
        for c in conflicts
    ]
    for kind, message, sheet, row, key in row_flagged:
        if key in ids_by_key:
            flags.append(
                PurchaseFlag(
                    purchase_id=ids_by_key[key],
                    kind=kind,
                    batch=batch,
                    sheet=sheet[:100],
                    row_number=row or None,
                    message=message,
                )
            )
    PurchaseFlag.objects.bulk_create(flags, batch_size=1000)
    return len(flags)


def flag_resolve(flag: PurchaseFlag, *, user: Any, comment: str) -> PurchaseFlag:
    """Mark a flag as checked, with what the reviewer found (the record itself is changed, if at all,
    through its own page, where the change goes back to review)."""
    comment = comment.strip()
    if not comment:
        from django.core.exceptions import ValidationError

        raise ValidationError("请填写核查结果（例如：已核实为同一笔采购，已删除重复记录）。")
    flag.resolved_at = timezone.now()
    flag.resolved_by = user if getattr(user, "pk", None) else None
    flag.resolution = comment
    flag.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    return flag
