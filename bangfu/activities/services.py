"""Writes to activities and evidence files."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q

from bangfu.accounts.access import scope_for
from bangfu.accounts.write_scope import (
    USER_SCOPE,
    OutsideScopeError,
    Within,
    WithinArg,
    unit_require_writable,
    unit_resolve_for_writing,
    within_for,
)
from bangfu.common.audit import audit_action, audit_grouped
from bangfu.ledger.choices import ApprovalAction, Category, Channel, RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.ledger.services import (
    DELETE,
    REVIEW,
    WRITE,
    Rule,
    StateMachine,
    WorkflowError,
    purchase_create,
    purchase_remove,
    purchase_require_deletable,
    purchase_update,
)
from bangfu.orgs.models import Organisation
from bangfu.orgs.resolving import OrgResolver
from bangfu.plans.models import Item

from .kinds import KINDS, DetailsError, clean_details
from .models import Activity, Evidence

# Evidence files: what may be uploaded, recognised by content, not by name.
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
_SIGNATURES: tuple[tuple[bytes, str, tuple[str, ...]], ...] = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"GIF87a", "image/gif", (".gif",)),
    (b"GIF89a", "image/gif", (".gif",)),
    (b"PK\x03\x04", "application/zip", (".docx", ".xlsx", ".pptx")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage", (".doc", ".xls", ".ppt")),
)
_OFFICE_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ActivityError(ValidationError):
    """Invalid activity input; ``message_dict`` maps fields to Chinese messages."""


S = RecordStatus

#: An activity's review, in the shape of the ledger's table (``ledger.services.PURCHASE_STATES``): an
#: activity is entered submitted; a reviewer approves it (not its author: four-eyes,
#: :func:`activity_authored_by`) or returns it — a returned one may still be approved, an approved one
#: returned; an edit from the web sends an approved or returned record back to review. Deleting follows
#: the ledger's rule for the purchase an activity carries (:func:`activity_delete`).
ACTIVITY_STATES = StateMachine(
    {
        ApprovalAction.APPROVE: Rule(
            {S.SUBMITTED: S.APPROVED, S.RETURNED: S.APPROVED}, REVIEW, "审核通过", four_eyes=True
        ),
        ApprovalAction.RETURN: Rule({S.SUBMITTED: S.RETURNED, S.APPROVED: S.RETURNED}, REVIEW, "退回"),
        ApprovalAction.CHANGE: Rule(
            {S.DRAFT: S.DRAFT, S.SUBMITTED: S.SUBMITTED, S.RETURNED: S.SUBMITTED, S.APPROVED: S.SUBMITTED},
            WRITE,
            "修改",
        ),
        DELETE: Rule(dict.fromkeys(S.values), WRITE, "删除"),
    }
)


def _dates_in_order(date: Any, details: dict[str, Any]) -> None:
    """An activity that lasts (an exhibition, a training) ends on or after the day it starts."""
    end = details.get("end_date")
    if end and date and str(end) < date.isoformat():
        raise ActivityError({"end_date": f"结束日期（{end}）不能早于开始日期（{date:%Y-%m-%d}）。"})


def _checked_details(kind_code: str, date: Any, details: dict[str, Any]) -> dict[str, Any]:
    cleaned = _details(kind_code, details)
    _dates_in_order(date, cleaned)
    return cleaned


def _details(kind_code: str, details: dict[str, Any]) -> dict[str, Any]:
    if kind_code not in KINDS:
        raise ActivityError({"kind": "未知的工作记录类型。"})
    try:
        return clean_details(KINDS[kind_code], details)
    except DetailsError as exc:
        raise ActivityError(exc.errors) from exc


def _require_unit(unit: Organisation, within: Within) -> None:
    try:
        unit_require_writable(unit, within)
    except OutsideScopeError as exc:
        raise ActivityError({"organisation": exc.messages}) from exc


def activities_authored_by(user: Any) -> Q:
    """The activities ``user`` entered or changed (``created_by`` and ``editors``): four-eyes review,
    they may not approve them. The review queue leaves them out; :func:`activity_review` refuses. No
    user (system code, the command line): nothing."""
    if not getattr(user, "pk", None):
        return Q(pk__in=[])
    edited = Activity.editors.through.objects.filter(user_id=user.pk).values("activity_id")
    return Q(created_by_id=user.pk) | Q(pk__in=edited)


def activity_authored_by(activity: Activity, user: Any) -> bool:
    """Whether ``user`` entered or changed the record (:func:`activities_authored_by`)."""
    if not getattr(user, "pk", None):
        return False
    return Activity.objects.filter(activities_authored_by(user), pk=activity.pk).exists()


def _enterprise_purchase(
    activity: Activity,
    *,
    user: Any,
    within: Within,
    purchasers: OrgResolver | None = None,
    resubmit: bool = False,
) -> None:
    """An enterprise's raw-material purchase is also a purchase record — entered once, here, through the
    ledger's own rules: the enterprise is resolved (or created) only inside the write scope ``within``; a
    change goes through ``purchase_update`` (history; an approved record back to review)."""
    amount = activity.details.get("amount")
    if activity.kind != "enterprise" or not amount:
        return
    try:
        enterprise = unit_resolve_for_writing(
            activity.details.get("enterprise") or "",
            within=within,
            default_parent=activity.organisation,
            resolver=purchasers,
        )
    except OutsideScopeError as exc:
        raise ActivityError({"enterprise": exc.messages}) from exc
    fields: dict[str, Any] = {
        "purchaser": enterprise or activity.organisation,
        "date": activity.date,
        "amount_fen": int(amount),
        "product": activity.details.get("product") or "",
        "origin": activity.details.get("origin") or "",
        "channel": Channel.OTHER,
        "category": Category.RAW_MATERIAL,
        "remarks": f"企业采购原料（工作记录：{activity.title}）",
    }
    if activity.purchase_id:
        purchase = Purchase.objects.get(pk=activity.purchase_id)
        if within is not None and enterprise is not None:
            # A unit just created for the name lies inside the scope (under a unit of it) though the
            # scope was read before it existed.
            within = within | {enterprise.pk}
        try:
            purchase_update(
                purchase,
                user=user,
                within=within,
                submit=resubmit and activity.status == RecordStatus.SUBMITTED,
                comment=f"随工作记录“{activity.title}”修改",
                reporting_org=activity.organisation,
                **fields,
            )
        except WorkflowError as exc:
            raise ActivityError(_messages_on(exc, "enterprise")) from exc
        return
    try:
        activity.purchase = purchase_create(
            **fields, reporting_org=activity.organisation, status=activity.status, user=user
        )
    except ValidationError as exc:
        raise ActivityError(_messages_on(exc, "amount")) from exc
    activity.save(update_fields=["purchase"])


def _messages_on(exc: ValidationError, default_field: str) -> dict[str, list[str]]:
    """A ledger refusal as an activity's field errors (the purchaser is the activity's enterprise)."""
    if not hasattr(exc, "error_dict"):
        return {default_field: exc.messages}
    fields = {"purchaser": "enterprise", "amount_fen": "amount", "origin": "origin", "product": "product"}
    errors: dict[str, list[str]] = {}
    for name, messages in exc.message_dict.items():
        errors.setdefault(fields.get(name, default_field), []).extend(messages)
    return errors


@transaction.atomic
def activity_create(
    *,
    kind: str,
    organisation: Organisation,
    title: str,
    date: dt.date,
    details: dict[str, Any],
    item: Item | None = None,
    description: str = "",
    status: str = RecordStatus.SUBMITTED,
    public: bool = False,
    source: str = "",
    user: Any = None,
    within: WithinArg = USER_SCOPE,
    purchasers: OrgResolver | None = None,
) -> Activity:
    """Enter an activity for ``organisation``, which must be inside ``within`` (the units the user may
    write for — ``accounts.write_scope``; by default the user's write scope). An enterprise purchase also becomes
    a purchase record. ``purchasers``: one scoped resolver for many records (an import)."""
    if not title.strip():
        raise ActivityError({"title": "名称必须填写。"})
    allowed = within_for(user, within)
    _require_unit(organisation, allowed)
    activity = Activity.objects.create(
        kind=kind,
        organisation=organisation,
        item=item,
        title=title.strip()[:200],
        date=date,
        details=_checked_details(kind, date, details),
        description=description,
        status=status,
        public=public and kind == "outlet",
        source=source,
        created_by=user if getattr(user, "pk", None) else None,
    )
    _enterprise_purchase(activity, user=user, within=allowed, purchasers=purchasers)
    return activity


@transaction.atomic
def activity_update(
    activity: Activity,
    *,
    user: Any = None,
    resubmit: bool = False,
    within: WithinArg = USER_SCOPE,
    **fields: Any,
) -> Activity:
    """Change an activity. With ``resubmit`` (an edit from the web), an approved or returned record goes
    back to review (submitted). The record's unit, before and after, must be inside ``within`` (by
    default the user's write scope); the user becomes one of its editors, who may not approve it."""
    allowed = within_for(user, within)
    _require_unit(activity.organisation, allowed)
    if "organisation" in fields:
        _require_unit(fields["organisation"], allowed)
    if resubmit:
        fields["status"] = ACTIVITY_STATES.target(ApprovalAction.CHANGE, activity.status)
    if "details" in fields:
        fields["details"] = _details(fields.get("kind", activity.kind), fields["details"])
    _dates_in_order(fields.get("date", activity.date), fields.get("details", activity.details))
    for name, value in fields.items():
        setattr(activity, name, value)
    activity.public = activity.public and activity.kind == "outlet"
    activity.save()
    if getattr(user, "pk", None):
        activity.editors.add(user)
    _enterprise_purchase(activity, user=user, within=allowed, resubmit=resubmit)
    return activity


@transaction.atomic
def activity_review(activity: Activity, *, approve: bool, user: Any = None) -> Activity:
    """Approve a submitted activity, or return it to its unit. Only approved outlets appear in the public
    directory. An enterprise purchase's own record is reviewed in the ledger, not here.

    Which status allows which is :data:`ACTIVITY_STATES`. Four-eyes review: nobody approves a record
    they entered or changed (:func:`activity_authored_by`); returning one's own record is allowed."""
    action = ApprovalAction.APPROVE if approve else ApprovalAction.RETURN
    rule = ACTIVITY_STATES.rules[action]
    if getattr(user, "pk", None) and not ACTIVITY_STATES.may(scope_for(user), action):
        raise PermissionDenied("当前账号无此权限。")
    if not ACTIVITY_STATES.allows(action, activity.status):
        if activity.status == S.DRAFT:
            raise ActivityError({"status": "草稿不能审核，请先提交。"})
        raise ActivityError({"status": f"此记录当前为“{S(activity.status).label}”，不能{rule.verb}。"})
    if rule.four_eyes and activity_authored_by(activity, user):
        raise ActivityError(
            {"status": "此记录由您本人填报或修改，不能由您本人审核通过，请由其他审核人员审核。"}
        )
    target = ACTIVITY_STATES.target(action, activity.status)
    assert target is not None
    activity.status = target
    activity.save(update_fields=["status", "updated_at"])
    return activity


@transaction.atomic
def activities_review(activities: Iterable[Activity], *, approve: bool, user: Any = None) -> int:
    """Approve or return several activities at once (a reviewer's selection), each through
    :func:`activity_review` — all or none: the first refusal (four-eyes, a status that does not allow
    it) undoes the others and names the record."""
    done: list[Activity] = []
    with audit_grouped():  # one audit-trail entry for the selection
        for activity in activities:
            try:
                activity_review(activity, approve=approve, user=user)
            except ActivityError as exc:
                reasons = "；".join(m for messages in exc.message_dict.values() for m in messages)
                raise ActivityError({"status": f"{activity}：{reasons}"}) from exc
            done.append(activity)
    if done:
        names = "、".join(str(a) for a in done[:5]) + (f" 等 {len(done)} 条" if len(done) > 5 else "")
        audit_action(
            kind="activities_approve" if approve else "activities_return",
            obj=done[0],
            summary=names,
            actor=user,
            unit_id=done[0].organisation_id,
            counts={"records": len(done)},
            action=LogEntry.Action.UPDATE,
        )
    return len(done)


def _purchase_refusal(purchase: Purchase | None, *, within: Within) -> str:
    if purchase is None:
        return ""
    try:
        purchase_require_deletable(purchase, within=within)
    except WorkflowError as exc:
        return "此工作记录同时记作一条采购记录，不能删除：" + "；".join(exc.messages)
    return ""


def activity_delete_refusal(activity: Activity, *, user: Any = None, within: WithinArg = USER_SCOPE) -> str:
    """Why :func:`activity_delete` would refuse because of the record's purchase ("" when it would not),
    for the confirmation page."""
    purchase = Purchase.objects.filter(pk=activity.purchase_id).first() if activity.purchase_id else None
    return _purchase_refusal(purchase, within=within_for(user, within))


@transaction.atomic
def activity_delete(activity: Activity, *, user: Any = None, within: WithinArg = USER_SCOPE) -> None:
    """Delete an activity with its evidence (stored files removed once the deletion is committed) and the
    purchase record it created — which follows the ledger's rule for deleting a record
    (``purchase_require_deletable``): an activity whose purchase is submitted or approved is refused,
    and the purchase and its approval history stay."""
    allowed = within_for(user, within)
    _require_unit(activity.organisation, allowed)
    if not ACTIVITY_STATES.allows(DELETE, activity.status):
        raise ActivityError({"status": f"此记录当前为“{S(activity.status).label}”，不能删除。"})
    purchase = (
        Purchase.objects.select_for_update().filter(pk=activity.purchase_id).first()
        if activity.purchase_id
        else None
    )
    refusal = _purchase_refusal(purchase, within=allowed)
    if refusal:
        raise ActivityError({"purchase": refusal})
    files = [(e.file.storage, e.file.name) for e in activity.evidence.all() if e.file.name]
    activity.delete()

    def remove_files() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)
    if purchase is not None:
        purchase_remove(purchase)


@transaction.atomic
def evidence_delete(evidence: Evidence) -> None:
    """Remove an evidence file: its record now, the stored file once the deletion is committed."""
    storage, name = evidence.file.storage, evidence.file.name
    evidence.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _sniff(head: bytes, name: str) -> str | None:
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    for signature, content_type, suffixes in _SIGNATURES:
        if head.startswith(signature) and suffix in suffixes:
            return _OFFICE_TYPES.get(suffix, content_type)
    return None


@transaction.atomic
def evidence_add(
    *,
    name: str,
    content: bytes,
    user: Any,
    activity: Activity | None = None,
    purchase: Purchase | None = None,
) -> Evidence:
    """Store an evidence file: allowed types only (PDF, images, Office files — checked by content),
    size-limited, fingerprinted with SHA-256."""
    if (activity is None) == (purchase is None):
        raise ActivityError({"file": "佐证材料必须属于一条记录。"})
    limit = min(EVIDENCE_MAX_BYTES, settings.BANGFU_UPLOAD_MAX_BYTES)
    if len(content) > limit:
        raise ActivityError({"file": f"文件超过 {limit // (1024 * 1024)} MB。"})
    content_type = _sniff(content[:16], name)
    if content_type is None:
        raise ActivityError(
            {"file": "只接受 PDF、图片（PNG、JPG、GIF）和 Office 文件（Word、Excel、PowerPoint）。"}
        )
    digest = hashlib.sha256(content).hexdigest()
    name = _CONTROL.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip() or "file"
    evidence = Evidence(
        activity=activity,
        purchase=purchase,
        original_name=name[-255:],
        size=len(content),
        content_type=content_type,
        sha256=digest,
        uploaded_by=user if getattr(user, "pk", None) else None,
    )
    evidence.file.save(
        f"{digest}{('.' + name.rsplit('.', 1)[-1].lower()) if '.' in name else ''}",
        ContentFile(content),
        save=False,
    )
    evidence.save()
    return evidence
