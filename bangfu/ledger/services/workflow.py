"""The review of purchase records: submit → approve or return; a change to approved data goes back to review.

States and the only transitions allowed::

    draft ──submit──▶ submitted ──approve──▶ approved
                        │   ▲                  │
                 return │   │ submit           │ change (any edit) / reopen (a reviewer)
                        ▼   │                  ▼
                      returned              submitted

Every transition writes one :class:`ApprovalEvent` per record (who, when, from → to, the comment, and for
a change exactly which fields changed from what to what). Role checks are here as a second line; which
records a user may touch (the scope) is decided by ``ledger.access``, whose querysets the views pass in.

Four-eyes review: nobody approves a record they entered, imported, submitted or changed
(``ledger.access.authored_by``) — the coordinator included; returning or reopening one's own record is
allowed (it makes nothing official). Entry, change and deletion write only for purchasers inside the
user's write scope (``orgs.access``; ``within=``).

Transitions are set-based (one UPDATE per chunk guarded by the expected state, events bulk-inserted), so
approving an import batch of 100,000 records is a few statements per 1,000 records, not 100,000 saves.
A record whose state changed under us (another reviewer was faster) aborts the whole action.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from bangfu.accounts.access import scope_for
from bangfu.orgs.access import (
    USER_SCOPE,
    OutsideScopeError,
    Within,
    WithinArg,
    unit_require_writable,
    unit_writable,
    within_for,
)
from bangfu.orgs.models import Organisation

from ..access import authored_by
from ..choices import ApprovalAction, Category, Channel, RecordStatus
from ..models import ApprovalEvent, Product, Purchase
from ..parsing import normalise_order_key
from ..resolving import CatalogResolver, RegionResolver
from .purchases import duplicate_message, purchase_create

S = RecordStatus
CHUNK = 1000

#: What a user may change on a record, in form order. Everything else is derived or provenance.
EDITABLE_FIELDS = (
    "purchaser",
    "date",
    "amount_fen",
    "product",
    "supplier",
    "origin",
    "channel",
    "category",
    "quantity",
    "quantity_unit",
    "order_no",
    "remarks",
)
DELETABLE = (S.DRAFT, S.RETURNED)


class WorkflowError(ValidationError):
    """A transition or change that is not allowed; the message is for the user (Chinese)."""


# --- roles ---------------------------------------------------------------------------------------


def _require(user: Any, *, write: bool = False, review: bool = False) -> None:
    scope = scope_for(user)
    if scope.role is None:
        raise PermissionDenied("请先登录。")
    if (write and not scope.can_write) or (review and not scope.can_review):
        raise PermissionDenied("当前账号无此权限。")


# --- transitions ---------------------------------------------------------------------------------


def _ids_and_states(purchases: Iterable[Purchase] | QuerySet[Purchase]) -> list[tuple[int, str]]:
    """(id, current status) of each record, read again under a row lock (the caller's copy may be stale)."""
    if isinstance(purchases, QuerySet):
        return list(
            purchases.select_related(None).select_for_update().order_by("pk").values_list("pk", "status")
        )
    ids = sorted({p.pk for p in purchases})
    found: list[tuple[int, str]] = []
    for chunk in _chunks(ids):
        found.extend(
            Purchase.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", "status")
        )
    return found


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _ids_text(ids: Sequence[int], limit: int = 10) -> str:
    shown = "、".join(str(i) for i in ids[:limit])
    return shown + (f" 等 {len(ids)} 条" if len(ids) > limit else "")


def _refuse_wrong_states(rows: list[tuple[int, str]], allowed_from: tuple[str, ...], verb: str) -> None:
    wrong: dict[str, list[int]] = defaultdict(list)
    for pk, status in rows:
        if status not in allowed_from:
            wrong[status].append(pk)
    if wrong:
        allowed = "、".join(f"“{S(s).label}”" for s in allowed_from)
        parts = [f"记录 {_ids_text(ids)} 当前为“{S(status).label}”" for status, ids in sorted(wrong.items())]
        raise WorkflowError(f"{'；'.join(parts)}，不能{verb}（只有{allowed}的记录可以{verb}）。")


def _transition(
    purchases: Iterable[Purchase] | QuerySet[Purchase],
    *,
    user: Any,
    action: str,
    allowed_from: tuple[str, ...],
    to: str,
    verb: str,
    comment: str = "",
    check: Callable[[list[int]], None] | None = None,
) -> int:
    rows = _ids_and_states(purchases)
    if not rows:
        raise WorkflowError(f"没有可{verb}的记录。")
    _refuse_wrong_states(rows, allowed_from, verb)
    if check is not None:
        check([pk for pk, _status in rows])
    now = timezone.now()
    actor = user if getattr(user, "pk", None) else None
    by_state: dict[str, list[int]] = defaultdict(list)
    for pk, status in rows:
        by_state[status].append(pk)
    for status, ids in by_state.items():
        for chunk in _chunks(ids):
            updated = Purchase.objects.filter(pk__in=chunk, status=status).update(status=to, updated_at=now)
            if updated != len(chunk):
                raise WorkflowError("部分记录的状态刚被他人更改，请刷新页面后重试。")
            ApprovalEvent.objects.bulk_create(
                [
                    ApprovalEvent(
                        purchase_id=pk,
                        actor=actor,
                        action=action,
                        from_status=status,
                        to_status=to,
                        comment=comment,
                    )
                    for pk in chunk
                ]
            )
    return len(rows)


@transaction.atomic
def purchase_submit(
    purchases: Iterable[Purchase] | QuerySet[Purchase], *, user: Any, comment: str = ""
) -> int:
    """Drafts and returned records → submitted (for review). Returns how many records were submitted."""
    _require(user, write=True)
    return _transition(
        purchases,
        user=user,
        action=ApprovalAction.SUBMIT,
        allowed_from=(S.DRAFT, S.RETURNED),
        to=S.SUBMITTED,
        verb="提交",
        comment=comment.strip(),
    )


def _refuse_own_records(user: Any) -> Callable[[list[int]], None]:
    """Four-eyes review: refuse the whole action when the user authored any of the records (entered,
    imported, submitted or changed them — ``ledger.access.authored_by``)."""

    def check(ids: list[int]) -> None:
        own: list[int] = []
        for chunk in _chunks(ids):
            own.extend(
                Purchase.objects.filter(authored_by(user), pk__in=chunk)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        if own:
            raise WorkflowError(
                f"记录 {_ids_text(own)} 由您本人录入、导入、提交或修改，不能由您本人审核通过，"
                "请由其他审核人员审核。"
            )

    return check


@transaction.atomic
def purchase_approve(
    purchases: Iterable[Purchase] | QuerySet[Purchase], *, user: Any, comment: str = ""
) -> int:
    """Submitted records → approved (reviewers only, and never by a record's own author: four-eyes)."""
    _require(user, review=True)
    return _transition(
        purchases,
        user=user,
        action=ApprovalAction.APPROVE,
        allowed_from=(S.SUBMITTED,),
        to=S.APPROVED,
        verb="审核通过",
        comment=comment.strip(),
        check=_refuse_own_records(user),
    )


def _required_comment(comment: str, what: str) -> str:
    comment = (comment or "").strip()
    if not comment:
        raise WorkflowError({"comment": f"{what}时必须填写意见，说明原因或需要修改的内容。"})
    return comment


@transaction.atomic
def purchase_return(purchases: Iterable[Purchase] | QuerySet[Purchase], *, user: Any, comment: str) -> int:
    """Submitted records → returned to the reporter, with the reviewer's reason (required)."""
    _require(user, review=True)
    comment = _required_comment(comment, "退回")
    return _transition(
        purchases,
        user=user,
        action=ApprovalAction.RETURN,
        allowed_from=(S.SUBMITTED,),
        to=S.RETURNED,
        verb="退回",
        comment=comment,
    )


@transaction.atomic
def purchase_reopen(purchases: Iterable[Purchase] | QuerySet[Purchase], *, user: Any, comment: str) -> int:
    """Approved records → submitted again (a reviewer withdraws an approval), with the reason (required)."""
    _require(user, review=True)
    comment = _required_comment(comment, "撤销审核")
    return _transition(
        purchases,
        user=user,
        action=ApprovalAction.REOPEN,
        allowed_from=(S.APPROVED,),
        to=S.SUBMITTED,
        verb="撤销审核",
        comment=comment,
    )


# --- entry, change, deletion ---------------------------------------------------------------------


@transaction.atomic
def purchase_enter(
    *,
    user: Any,
    purchaser: Organisation,
    submit: bool = False,
    reporting_org: Organisation | None = None,
    within: WithinArg = USER_SCOPE,
    **fields: Any,
) -> Purchase:
    """A record entered through the form or the API: a draft, or submitted at once (``submit=True``).
    The purchaser and the reporting unit must be inside ``within``, the units the user may write for
    (``orgs.access``; by default the user's own write scope)."""
    _require(user, write=True)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"purchase_enter() got unexpected fields {sorted(unknown)}")
    _validate({"purchaser": purchaser, **fields})
    allowed = within_for(user, within)
    _require_writable(allowed, purchaser=purchaser, reporting_org=reporting_org)
    purchase = purchase_create(
        purchaser=purchaser, reporting_org=reporting_org, status=S.DRAFT, user=user, **fields
    )
    if submit:
        purchase_submit([purchase], user=user)
        purchase.status = S.SUBMITTED
    return purchase


def _require_writable(within: Within, **units: Organisation | None) -> None:
    """Refuse units outside the write scope, each on its field."""
    errors: dict[str, list[str]] = {}
    for name, unit in units.items():
        try:
            unit_require_writable(unit, within)
        except OutsideScopeError as exc:
            errors[name] = exc.messages
    if errors:
        raise WorkflowError(errors)


def _require_record_writable(record: Purchase, within: Within, verb: str) -> None:
    """A record bought by a unit outside the write scope (seen because one's unit reported it) is read-only:
    changing or deleting it would move another unit's figures."""
    if record.purchaser_id is not None and not unit_writable(record.purchaser_id, within):
        raise WorkflowError(
            f"记录 {record.pk} 的采购单位“{record.purchaser_name}”不在本单位管辖范围内，不能{verb}。"
        )


def _validate(fields: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if "amount_fen" in fields:
        amount = fields["amount_fen"]
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            errors["amount_fen"] = "金额必须大于0。"
    if "date" in fields and not isinstance(fields["date"], dt.date):
        errors["date"] = "请填写采购日期。"
    if "purchaser" in fields and not isinstance(fields["purchaser"], Organisation):
        errors["purchaser"] = "请选择采购单位。"
    if "channel" in fields and fields["channel"] not in Channel.values:
        errors["channel"] = "采购渠道无效。"
    if "category" in fields and fields["category"] not in Category.values:
        errors["category"] = "采购类别无效。"
    quantity = fields.get("quantity")
    if quantity is not None and (not isinstance(quantity, Decimal) or quantity < 0):
        errors["quantity"] = "数量不能为负数。"
    for name in ("product", "supplier", "origin", "quantity_unit", "order_no", "remarks"):
        if name in fields:
            value = fields[name]
            if not isinstance(value, str):
                errors[name] = "请填写文字。"
                continue
            limit = getattr(Purchase._meta.get_field(name), "max_length", None)
            if limit is not None and len(value) > limit:
                errors[name] = f"不能超过{limit}个字。"
    if errors:
        raise WorkflowError(errors)


def change_value(name: str, value: Any) -> Any:
    """A field's value as stored in an event's ``changes`` (JSON: fen as int, dates as ISO text …)."""
    if value is None:
        return None
    if name == "purchaser":
        return value.name if isinstance(value, Organisation) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def _current(purchase: Purchase, name: str) -> Any:
    if name == "purchaser":
        return purchase.purchaser.name if purchase.purchaser is not None else purchase.purchaser_name
    return change_value(name, getattr(purchase, name))


def _differs(purchase: Purchase, name: str, value: Any) -> bool:
    if name == "purchaser":
        return purchase.purchaser_id != value.pk
    return _current(purchase, name) != change_value(name, value)


def _dedupe_key(current: str, order_key: str, amount_fen: int) -> str:
    if order_key:
        return f"n:{order_key}:{amount_fen}"
    # Without a number: keep a content key (c:… from an import) or a hand key (m:…).
    return current if not current.startswith("n:") else f"m:{uuid.uuid4().hex}"


@transaction.atomic
def purchase_update(
    purchase: Purchase,
    *,
    user: Any,
    comment: str = "",
    submit: bool = False,
    within: WithinArg = USER_SCOPE,
    **fields: Any,
) -> Purchase:
    """Change a record. Derived fields follow (origin county, catalog links, order and de-duplication
    keys); a change that would duplicate another stored order number and amount is refused. An
    **approved** record goes back to **submitted**, with an event holding exactly what changed.
    ``submit=True`` also submits a draft or returned record (the form's "save and submit").

    Only a record whose purchaser is inside ``within`` (the units the user may write for, by default the
    user's write scope) may be changed, and only to a purchaser inside it."""
    record = _update(purchase, user=user, comment=comment, fields=fields, within=within_for(user, within))
    if submit and record.status in (S.DRAFT, S.RETURNED):
        purchase_submit([record], user=user)
        record.status = S.SUBMITTED
    return record


def _update(
    purchase: Purchase, *, user: Any, comment: str, fields: dict[str, Any], within: Within
) -> Purchase:
    _require(user, write=True)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"purchase_update() got unexpected fields {sorted(unknown)}")
    _validate(fields)
    record = Purchase.objects.select_for_update().get(pk=purchase.pk)
    _require_record_writable(record, within, "修改")
    if "purchaser" in fields and fields["purchaser"].pk != record.purchaser_id:
        _require_writable(within, purchaser=fields["purchaser"])
    changes = {
        name: [_current(record, name), change_value(name, value)]
        for name, value in fields.items()
        if _differs(record, name, value)
    }
    if not changes:
        return record
    for name, value in fields.items():
        if name in changes:
            setattr(record, name, value)
    if "purchaser" in changes:
        record.purchaser_name = fields["purchaser"].name
    product_region: int | None = None
    if {"product", "supplier"} & changes.keys():
        catalog = CatalogResolver()
        record.supplier_ref_id = catalog.supplier(record.supplier)
        record.product_ref_id, product_region = catalog.product(record.product, record.supplier_ref_id)
    elif record.product_ref_id and not record.origin:
        product_region = (
            Product.objects.filter(pk=record.product_ref_id)
            .values_list("origin_region_id", flat=True)
            .first()
        )
    if {"origin", "product", "supplier"} & changes.keys():
        region = RegionResolver().resolve(record.origin)
        record.origin_region_id = region if region is not None or record.origin else product_region
    if {"order_no", "amount_fen"} & changes.keys():
        record.order_key = normalise_order_key(record.order_no)
        record.dedupe_key = _dedupe_key(record.dedupe_key, record.order_key, record.amount_fen)
        other = (
            Purchase.objects.filter(dedupe_key=record.dedupe_key)
            .exclude(pk=record.pk)
            .values_list("pk", flat=True)
            .first()
        )
        if other is not None:
            raise WorkflowError(
                {
                    "order_no": duplicate_message(
                        order_no=record.order_no, amount_fen=record.amount_fen, existing_id=other, user=user
                    )
                }
            )
    before = record.status
    if before == S.APPROVED:
        record.status = S.SUBMITTED
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:
        raise WorkflowError(
            {"order_no": "同一订单号和金额的采购记录已存在，同一笔采购只能记录一次。"}
        ) from exc
    if before != S.DRAFT:
        ApprovalEvent.objects.create(
            purchase=record,
            actor=user if getattr(user, "pk", None) else None,
            action=ApprovalAction.CHANGE,
            from_status=before,
            to_status=record.status,
            comment=(comment or "").strip(),
            changes=changes,
        )
    return record


def purchase_require_deletable(record: Purchase, *, within: Within) -> None:
    """The rule for deleting a record, wherever it is deleted from (the ledger, an activity that carries
    it): only a draft or a returned record, bought by a unit inside the write scope ``within``. A
    submitted or approved record — and its approval history — stays. Pass a copy read under lock."""
    _require_record_writable(record, within, "删除")
    if record.status not in DELETABLE:
        raise WorkflowError(
            f"记录 {record.pk} 当前为“{S(record.status).label}”，只有草稿或已退回的记录可以删除。"
        )


@transaction.atomic
def purchase_delete(purchase: Purchase, *, user: Any, within: WithinArg = USER_SCOPE) -> None:
    """Delete a draft or a returned record (the audit trail keeps its values) whose purchaser is inside
    ``within`` (by default the user's write scope)."""
    _require(user, write=True)
    record = Purchase.objects.select_for_update().get(pk=purchase.pk)
    purchase_require_deletable(record, within=within_for(user, within))
    record.delete()
