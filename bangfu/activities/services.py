"""Writes to activities and evidence files."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from bangfu.ledger.choices import Category, Channel, RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.ledger.services import purchase_create
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


def _details(kind_code: str, details: dict[str, Any]) -> dict[str, Any]:
    if kind_code not in KINDS:
        raise ActivityError({"kind": "未知的工作记录类型。"})
    try:
        return clean_details(KINDS[kind_code], details)
    except DetailsError as exc:
        raise ActivityError(exc.errors) from exc


def _enterprise_purchase(activity: Activity, *, user: Any) -> None:
    """An enterprise's raw-material purchase is also a purchase record — entered once, here."""
    amount = activity.details.get("amount")
    if activity.kind != "enterprise" or not amount:
        return
    resolver = OrgResolver(default_parent=activity.organisation)
    enterprise_id = resolver.resolve(activity.details.get("enterprise") or "")
    purchaser = Organisation.objects.get(pk=enterprise_id) if enterprise_id else activity.organisation
    fields: dict[str, Any] = {
        "purchaser": purchaser,
        "reporting_org": activity.organisation,
        "date": activity.date,
        "amount_fen": int(amount),
        "product": activity.details.get("product") or "",
        "origin": activity.details.get("origin") or "",
        "channel": Channel.OTHER,
        "category": Category.RAW_MATERIAL,
        "remarks": f"企业采购原料（工作记录：{activity.title}）",
        "status": activity.status,
    }
    if activity.purchase_id:
        Purchase.objects.filter(pk=activity.purchase_id).update(
            **{k: v for k, v in fields.items() if k != "purchaser"}, purchaser=purchaser
        )
        return
    activity.purchase = purchase_create(**fields)
    activity.save(update_fields=["purchase"])


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
) -> Activity:
    if not title.strip():
        raise ActivityError({"title": "名称必须填写。"})
    activity = Activity.objects.create(
        kind=kind,
        organisation=organisation,
        item=item,
        title=title.strip()[:200],
        date=date,
        details=_details(kind, details),
        description=description,
        status=status,
        public=public and kind == "outlet",
        source=source,
        created_by=user if getattr(user, "pk", None) else None,
    )
    _enterprise_purchase(activity, user=user)
    return activity


@transaction.atomic
def activity_update(
    activity: Activity, *, user: Any = None, resubmit: bool = False, **fields: Any
) -> Activity:
    """Change an activity. With ``resubmit`` (an edit from the web), an approved or returned record goes
    back to review (submitted)."""
    if resubmit and activity.status in (RecordStatus.APPROVED, RecordStatus.RETURNED):
        fields["status"] = RecordStatus.SUBMITTED
    if "details" in fields:
        fields["details"] = _details(fields.get("kind", activity.kind), fields["details"])
    for name, value in fields.items():
        setattr(activity, name, value)
    activity.public = activity.public and activity.kind == "outlet"
    activity.save()
    _enterprise_purchase(activity, user=user)
    return activity


@transaction.atomic
def activity_review(activity: Activity, *, approve: bool, user: Any = None) -> Activity:
    """Approve a submitted activity, or return it to its unit. Only approved outlets appear in the public
    directory. An enterprise purchase's own record is reviewed in the ledger, not here."""
    if activity.status not in (RecordStatus.SUBMITTED, RecordStatus.APPROVED, RecordStatus.RETURNED):
        raise ActivityError({"status": "草稿不能审核，请先提交。"})
    activity.status = RecordStatus.APPROVED if approve else RecordStatus.RETURNED
    activity.save(update_fields=["status", "updated_at"])
    return activity


@transaction.atomic
def activity_delete(activity: Activity) -> None:
    """Delete an activity with its evidence (stored files removed once the deletion is committed) and the
    purchase record it created."""
    purchase = activity.purchase
    files = [(e.file.storage, e.file.name) for e in activity.evidence.all() if e.file.name]
    activity.delete()

    def remove_files() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)
    if purchase is not None:
        purchase.delete()


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
