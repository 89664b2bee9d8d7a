"""The review of purchase records: submit → approve or return; a change to approved data goes back to review.

States and the only transitions allowed — written once, as data, in :data:`PURCHASE_STATES` (which action
from which status to which, for which role), read by these services and by the pages that decide which
buttons to show::

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
user's write scope (``accounts.write_scope``; ``within=``).

Transitions are set-based (one UPDATE per chunk guarded by the expected state, events bulk-inserted), so
approving an import batch of 100,000 records is a few statements per 1,000 records, not 100,000 saves.
A record whose state changed under us (another reviewer was faster) aborts the whole action.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from bangfu.accounts.access import Scope, scope_for
from bangfu.accounts.write_scope import (
    USER_SCOPE,
    OutsideScopeError,
    Within,
    WithinArg,
    unit_require_writable,
    unit_writable,
    within_for,
)
from bangfu.common.audit import audit_action
from bangfu.orgs.models import Organisation

from ..access import authored_by
from ..choices import ApprovalAction, Category, Channel, RecordStatus
from ..models import ApprovalEvent, Product, Purchase
from ..parsing import normalise_order_key
from ..resolving import CatalogResolver, RegionResolver
from ..totals import totals_tracked
from .purchases import duplicate_message, purchase_create
from .writing import chunks

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
    # Not on the record's form: set by the service that owns the record's origin (an activity's purchase
    # follows the activity's unit).
    "reporting_org",
)
#: Fields holding a unit: compared by id, shown in the history by name.
_ORG_FIELDS = ("purchaser", "reporting_org")


class WorkflowError(ValidationError):
    """A transition or change that is not allowed; the message is for the user (Chinese)."""


# --- the state machine ---------------------------------------------------------------------------

#: A role's capability an action needs (``accounts.access.Scope``: ``can_write``, ``can_review``).
Capability = Literal["write", "review"]
WRITE: Capability = "write"
REVIEW: Capability = "review"
#: Deleting a record: an action of the table, not an approval event (the record is gone).
DELETE = "delete"


@dataclass(frozen=True)
class Rule:
    """One action of a state machine: the status it moves each allowed status to (None: the record is
    deleted), the capability it needs, whether the record's author is refused (four-eyes review: who
    authored a record is decided by the caller's one rule — ``ledger.access.authored_by`` for
    purchases), whether a reason must be written, and its verb in messages."""

    moves: Mapping[str, str | None]
    capability: Capability
    verb: str
    four_eyes: bool = False
    comment: bool = False


class Offers(dict[str, bool]):
    """What a user may do to a record in its current status: every action of the table → whether they
    may take it now (``offers["approve"]``, in a template ``offers.approve``); ``withheld``: the actions
    their role may take from this status that the four-eyes rule keeps from them as the record's
    author."""

    def __init__(self, allowed: dict[str, bool], withheld: Iterable[str] = ()) -> None:
        super().__init__(allowed)
        self.withheld = frozenset(withheld)


@dataclass(frozen=True)
class StateMachine:
    """Which action is allowed from which status, for which role: one table per kind of record, read by
    its services (to refuse) and by its pages (to offer)."""

    rules: Mapping[str, Rule] = field(default_factory=dict)

    def sources(self, action: str) -> tuple[str, ...]:
        """The statuses ``action`` is allowed from."""
        return tuple(self.rules[action].moves)

    def allows(self, action: str, status: str) -> bool:
        return status in self.rules[action].moves

    def target(self, action: str, status: str) -> str | None:
        """The status ``action`` moves a record in ``status`` to (None: deleted). KeyError when the action
        is not allowed from ``status``."""
        return self.rules[action].moves[status]

    def may(self, scope: Scope, action: str) -> bool:
        """Whether the role may take ``action`` at all (from some status)."""
        return _capable(scope, self.rules[action].capability)

    def offers(self, scope: Scope, status: str, *, authored: bool | Callable[[], bool] = False) -> Offers:
        """The actions the user may take on a record in ``status``. ``authored``: whether they authored
        it (or a function that says so, asked only when a four-eyes action would otherwise be offered)."""
        allowed = dict.fromkeys(self.rules, False)
        withheld: set[str] = set()
        own: bool | None = None if callable(authored) else authored
        for action, rule in self.rules.items():
            if status not in rule.moves or not _capable(scope, rule.capability):
                continue
            if rule.four_eyes:
                if own is None:
                    own = bool(authored())  # type: ignore[operator]
                if own:
                    withheld.add(action)
                    continue
            allowed[action] = True
        return Offers(allowed, withheld)

    def refuse_unless_allowed(self, action: str, statuses: Iterable[tuple[Any, str]]) -> None:
        """Raise :class:`WorkflowError` naming the records (id, status) whose status does not allow
        ``action``, grouped by status."""
        rule = self.rules[action]
        wrong: dict[str, list[Any]] = defaultdict(list)
        for pk, status in statuses:
            if status not in rule.moves:
                wrong[status].append(pk)
        if wrong:
            allowed = "、".join(f"“{S(s).label}”" for s in rule.moves)
            parts = [
                f"记录 {_ids_text(ids)} 当前为“{S(status).label}”" for status, ids in sorted(wrong.items())
            ]
            raise WorkflowError(
                f"{'；'.join(parts)}，不能{rule.verb}（只有{allowed}的记录可以{rule.verb}）。"
            )


def _capable(scope: Scope, capability: Capability) -> bool:
    return scope.can_review if capability == REVIEW else scope.can_write


#: The purchase record's state machine. ``change`` is any edit (the record's history keeps what changed);
#: the system's completion from another source (``enrich``) changes no status and is not a user's action.
PURCHASE_STATES = StateMachine(
    {
        ApprovalAction.SUBMIT: Rule({S.DRAFT: S.SUBMITTED, S.RETURNED: S.SUBMITTED}, WRITE, "提交"),
        ApprovalAction.APPROVE: Rule({S.SUBMITTED: S.APPROVED}, REVIEW, "审核通过", four_eyes=True),
        ApprovalAction.RETURN: Rule({S.SUBMITTED: S.RETURNED}, REVIEW, "退回", comment=True),
        ApprovalAction.REOPEN: Rule({S.APPROVED: S.SUBMITTED}, REVIEW, "撤销审核", comment=True),
        ApprovalAction.CHANGE: Rule(
            {S.DRAFT: S.DRAFT, S.SUBMITTED: S.SUBMITTED, S.RETURNED: S.RETURNED, S.APPROVED: S.SUBMITTED},
            WRITE,
            "修改",
        ),
        DELETE: Rule({S.DRAFT: None, S.RETURNED: None}, WRITE, "删除"),
    }
)


# --- roles ---------------------------------------------------------------------------------------


def _require(user: Any, capability: Capability) -> None:
    """A second line behind the views' role checks: the user's role has ``capability``."""
    scope = scope_for(user)
    if scope.role is None:
        raise PermissionDenied("请先登录。")
    if not _capable(scope, capability):
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
    for chunk in chunks(ids, CHUNK):
        found.extend(
            Purchase.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", "status")
        )
    return found


def _ids_text(ids: Sequence[int], limit: int = 10) -> str:
    shown = "、".join(str(i) for i in ids[:limit])
    return shown + (f" 等 {len(ids)} 条" if len(ids) > limit else "")


def _transition(
    purchases: Iterable[Purchase] | QuerySet[Purchase], *, user: Any, action: str, comment: str = ""
) -> int:
    """Take ``action`` on the records as :data:`PURCHASE_STATES` says: the role's capability, the
    reason when one is required, every record in a status the action is allowed from, and for a
    four-eyes action none authored by the user — else nothing happens."""
    rule = PURCHASE_STATES.rules[action]
    _require(user, rule.capability)
    comment = (comment or "").strip()
    if rule.comment and not comment:
        raise WorkflowError({"comment": f"{rule.verb}时必须填写意见，说明原因或需要修改的内容。"})
    rows = _ids_and_states(purchases)
    if not rows:
        raise WorkflowError(f"没有可{rule.verb}的记录。")
    PURCHASE_STATES.refuse_unless_allowed(action, rows)
    if rule.four_eyes:
        _refuse_own_records(user, [pk for pk, _status in rows])
    now = timezone.now()
    actor = user if getattr(user, "pk", None) else None
    by_state: dict[str, list[int]] = defaultdict(list)
    for pk, status in rows:
        by_state[status].append(pk)
    for status, ids in by_state.items():
        to = rule.moves[status]
        assert to is not None, "a transition of approval events keeps the record"
        for chunk in chunks(ids, CHUNK):
            with totals_tracked(chunk):
                updated = Purchase.objects.filter(pk__in=chunk, status=status).update(
                    status=to, updated_at=now
                )
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
    _audit_transition(action, [pk for pk, _status in rows], actor=actor, comment=comment)
    return len(rows)


#: Review steps the audit trail records as one entry per action (with how many records it moved).
_AUDITED_ACTIONS: dict[str, str] = {
    ApprovalAction.SUBMIT: "records_submit",
    ApprovalAction.APPROVE: "records_approve",
    ApprovalAction.RETURN: "records_return",
    ApprovalAction.REOPEN: "records_reopen",
}


def _audit_transition(action: str, ids: list[int], *, actor: Any, comment: str) -> None:
    kind = _AUDITED_ACTIONS.get(action)
    if kind is None or not ids:
        return
    first = Purchase.objects.select_related("reporting_org", "purchaser").get(pk=min(ids))
    unit = first.reporting_org or first.purchaser
    where = f"（{unit.name}）" if unit is not None else ""
    summary = f"采购记录 {_ids_text(sorted(ids))}{where}" + (f"：{comment}" if comment else "")
    audit_action(
        kind=kind,
        obj=first,
        summary=summary,
        actor=actor,
        unit_id=unit.pk if unit is not None else None,
        counts={"records": len(ids)},
        action=LogEntry.Action.UPDATE,
    )


def _refuse_own_records(user: Any, ids: list[int]) -> None:
    """Four-eyes review: refuse the whole action when the user authored any of the records (entered,
    imported, submitted or changed them — ``ledger.access.authored_by``)."""
    own: list[int] = []
    for chunk in chunks(ids, CHUNK):
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


@transaction.atomic
def purchase_submit(
    purchases: Iterable[Purchase] | QuerySet[Purchase], *, user: Any, comment: str = ""
) -> int:
    """Drafts and returned records → submitted (for review). Returns how many records were submitted."""
    return _transition(purchases, user=user, action=ApprovalAction.SUBMIT, comment=comment)


@transaction.atomic
def purchase_approve(
    purchases: Iterable[Purchase] | QuerySet[Purchase], *, user: Any, comment: str = ""
) -> int:
    """Submitted records → approved (reviewers only, and never by a record's own author: four-eyes)."""
    return _transition(purchases, user=user, action=ApprovalAction.APPROVE, comment=comment)


@transaction.atomic
def purchase_return(purchases: Iterable[Purchase] | QuerySet[Purchase], *, user: Any, comment: str) -> int:
    """Submitted records → returned to the reporter, with the reviewer's reason (required)."""
    return _transition(purchases, user=user, action=ApprovalAction.RETURN, comment=comment)


@transaction.atomic
def purchase_reopen(purchases: Iterable[Purchase] | QuerySet[Purchase], *, user: Any, comment: str) -> int:
    """Approved records → submitted again (a reviewer withdraws an approval), with the reason (required)."""
    return _transition(purchases, user=user, action=ApprovalAction.REOPEN, comment=comment)


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
    (``accounts.write_scope``; by default the user's own write scope)."""
    _require(user, WRITE)
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
    if name in _ORG_FIELDS:
        return value.name if isinstance(value, Organisation) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def _current(purchase: Purchase, name: str) -> Any:
    if name == "purchaser":
        return purchase.purchaser.name if purchase.purchaser is not None else purchase.purchaser_name
    if name == "reporting_org":
        return purchase.reporting_org.name if purchase.reporting_org is not None else None
    return change_value(name, getattr(purchase, name))


def _differs(purchase: Purchase, name: str, value: Any) -> bool:
    if name in _ORG_FIELDS:
        return getattr(purchase, f"{name}_id") != (value.pk if value is not None else None)
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
    if submit and PURCHASE_STATES.allows(ApprovalAction.SUBMIT, record.status):
        purchase_submit([record], user=user)
        record.status = S.SUBMITTED
    return record


def _update(
    purchase: Purchase, *, user: Any, comment: str, fields: dict[str, Any], within: Within
) -> Purchase:
    _require(user, PURCHASE_STATES.rules[ApprovalAction.CHANGE].capability)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"purchase_update() got unexpected fields {sorted(unknown)}")
    _validate(fields)
    record = Purchase.objects.select_for_update().get(pk=purchase.pk)
    _require_record_writable(record, within, "修改")
    if "purchaser" in fields and fields["purchaser"].pk != record.purchaser_id:
        _require_writable(within, purchaser=fields["purchaser"])
    if fields.get("reporting_org") is not None and _differs(record, "reporting_org", fields["reporting_org"]):
        _require_writable(within, reporting_org=fields["reporting_org"])
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
    after = PURCHASE_STATES.target(ApprovalAction.CHANGE, before)
    assert after is not None, "a change keeps the record"
    record.status = after
    try:
        with transaction.atomic(), totals_tracked([record.pk]):
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
    if not PURCHASE_STATES.allows(DELETE, record.status):
        allowed = "或".join(str(S(status).label) for status in PURCHASE_STATES.sources(DELETE))
        raise WorkflowError(
            f"记录 {record.pk} 当前为“{S(record.status).label}”，只有{allowed}的记录可以删除。"
        )


@transaction.atomic
def purchase_delete(purchase: Purchase, *, user: Any, within: WithinArg = USER_SCOPE) -> None:
    """Delete a draft or a returned record (the audit trail keeps its values) whose purchaser is inside
    ``within`` (by default the user's write scope)."""
    _require(user, PURCHASE_STATES.rules[DELETE].capability)
    record = Purchase.objects.select_for_update().get(pk=purchase.pk)
    purchase_require_deletable(record, within=within_for(user, within))
    purchase_remove(record)


def purchase_remove(record: Purchase) -> None:
    """Remove a record whose deletion its caller has allowed (``purchase_require_deletable``); the
    running totals follow."""
    with totals_tracked([record.pk]):
        record.delete()
