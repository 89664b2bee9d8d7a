"""The only permission-checked fetches of ledger data for the web and the API.

A purchase belongs to its purchaser's jurisdiction and to the unit that reported it: a user sees it when
either is inside their scope (a reporter of 周巷镇 sees what 周巷镇's units bought and what 周巷镇 reported).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from bangfu.accounts.access import Scope, scope_for

# Units a record may name, or a list be filtered by: one rule, in ``accounts.write_scope``.
from bangfu.accounts.write_scope import unit_choices_for_user as unit_choices_for_user
from bangfu.accounts.write_scope import write_units
from bangfu.common.paging import COUNT_LIMIT, count_up_to
from bangfu.orgs.models import Organisation

from .choices import ApprovalAction, RecordStatus
from .models import ApprovalEvent, ImportBatch, Purchase, PurchaseFlag, Upload
from .query_plans import ScopeParts, scope_parts


def _visible(scope: Scope) -> Q:
    if scope.all_units:
        return Q()
    units = sorted(scope.unit_ids)
    return Q(purchaser_id__in=units) | Q(reporting_org_id__in=units)


def purchase_list_for_user(user: Any) -> QuerySet[Purchase]:
    scope = scope_for(user)
    if scope.role is None:
        return Purchase.objects.none()
    return Purchase.objects.filter(_visible(scope))


def purchase_parts_for_user(user: Any) -> ScopeParts | None:
    """What :func:`purchase_list_for_user` returns, as its two disjoint index-friendly parts (see
    ``query_plans.ScopeParts``); None when the user sees every record (there is nothing to split)."""
    scope = scope_for(user)
    if scope.role is None:
        return ScopeParts(Purchase.objects.none(), Purchase.objects.none())
    if scope.all_units:
        return None
    return scope_parts(sorted(scope.unit_ids))


def purchase_get_for_user(user: Any, pk: int) -> Purchase:
    """The purchase if the user may see it; 404 otherwise (never reveal that it exists)."""
    purchase = (
        purchase_list_for_user(user)
        .select_related("purchaser", "reporting_org", "origin_region", "batch", "product_ref", "supplier_ref")
        .filter(pk=pk)
        .first()
    )
    if purchase is None:
        raise Http404("记录不存在或不在本单位范围内。")
    return purchase


def purchases_get_for_user(user: Any, ids: Iterable[int]) -> QuerySet[Purchase]:
    """Several purchases by id (a selection on a page); 404 when any of them is not the user's to see."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        raise Http404("没有选择记录。")
    qs = purchase_list_for_user(user).filter(pk__in=wanted)
    if qs.count() != len(wanted):
        raise Http404("记录不存在或不在本单位范围内。")
    return qs


def _authored_parts(user: Any) -> tuple[Q, Q]:
    """The records ``user`` authored, in two parts: by id (entered by hand, submitted or changed) and by
    import batch (imported). Each part is a small set read from the user's own index entries, so that the
    review queue is still read from its covering index; excluding them one after the other is what
    SQLite runs fastest (measured: ``bench/README.md``, ``web_load.py``)."""
    entered = Purchase.objects.filter(created_by=user).order_by().values("pk")
    acted = (
        ApprovalEvent.objects.filter(actor=user, action__in=(ApprovalAction.SUBMIT, ApprovalAction.CHANGE))
        .order_by()
        .values("purchase_id")
    )
    imported = ImportBatch.objects.filter(created_by=user).order_by().values("pk")
    return Q(pk__in=entered.union(acted)), Q(batch_id__in=imported)


def authored_by(user: Any) -> Q:
    """The records ``user`` authored: entered by hand, imported (their batch), submitted or changed —
    at any time. Four-eyes review: nobody approves a record they authored (``purchase_approve`` refuses,
    the review queue leaves them out). Returning or reopening one's own record stays allowed: it makes
    nothing official. No user (system code, the command line): nothing."""
    if not getattr(user, "pk", None):
        return Q(pk__in=[])
    by_id, by_batch = _authored_parts(user)
    return by_id | by_batch


def purchase_authored_by(user: Any, purchase: Purchase) -> bool:
    """Whether ``user`` authored this record (see :func:`authored_by`): they may not approve it."""
    return Purchase.objects.filter(authored_by(user), pk=purchase.pk).exists()


def authored_awaiting_count(user: Any) -> tuple[int, bool]:
    """(number, exact?) of the records awaiting review in the user's scope that they authored (left to
    another reviewer, :func:`authored_by`), counted up to ``COUNT_LIMIT`` in two disjoint parts — those
    of the user's batches, the others by id — each read from its own index (as one ``OR`` SQLite reads
    every record awaiting review)."""
    if not getattr(user, "pk", None):
        return 0, True
    by_id, by_batch = _authored_parts(user)
    awaiting = purchase_list_for_user(user).filter(status=RecordStatus.SUBMITTED)
    imported, exact = count_up_to(awaiting.filter(by_batch))
    if not exact:
        return imported, False
    entered, exact = count_up_to(awaiting.filter(by_id).exclude(by_batch), COUNT_LIMIT - imported)
    return imported + entered, exact


def review_queue_for_user(user: Any) -> QuerySet[Purchase]:
    """Submitted records the user may review and approve (empty for roles that do not review): those in
    their scope that they did not author themselves (four-eyes, :func:`authored_by`)."""
    scope = scope_for(user)
    if not scope.can_review:
        return Purchase.objects.none()
    by_id, by_batch = _authored_parts(user)
    return purchase_list_for_user(user).filter(status=RecordStatus.SUBMITTED).exclude(by_id).exclude(by_batch)


def batch_purchases_for_user(user: Any, batch: ImportBatch) -> QuerySet[Purchase]:
    """The records of a batch the user may see (a batch can hold purchases of units outside the scope)."""
    return purchase_list_for_user(user).filter(batch=batch)


def batch_list_for_user(user: Any) -> QuerySet[ImportBatch]:
    scope = scope_for(user)
    if scope.role is None:
        return ImportBatch.objects.none()
    if scope.all_units:
        return ImportBatch.objects.all()
    return ImportBatch.objects.filter(Q(reporting_org_id__in=sorted(scope.unit_ids)) | Q(created_by=user))


def batch_get_for_user(user: Any, pk: int) -> ImportBatch:
    batch = batch_list_for_user(user).filter(pk=pk).first()
    if batch is None:
        raise Http404("导入批次不存在或不在本单位范围内。")
    return batch


# --- imports from the web and the API -----------------------------------------------------------------


@dataclass(frozen=True)
class ImportTerms:
    """How a user's upload is imported: for which reporting unit, with which record status, and within
    which units (purchasers outside them are refused; None: no limit)."""

    reporting_org: Organisation | None
    status: str
    within: frozenset[int] | None


def import_terms_for(user: Any, org_id: int | None) -> ImportTerms:
    """The one rule for imports through the web and the API (the command line is the office's own tool
    and stores approved records).

    - Everyone's web and API imports are stored **submitted**: somebody else approves them (four eyes).
    - The coordinator may name any unit as the reporting unit (or none: the file's 填报单位 line decides).
    - Reporters and lead reviewers import for their own unit; naming another unit is refused (403), and
      purchasers outside their scope are refused row by row.
    """
    scope = scope_for(user)
    if not scope.can_write:
        raise PermissionDenied("当前账号无权导入台账。")
    if scope.all_units:
        org = Organisation.objects.filter(pk=org_id).first() if org_id is not None else None
        if org_id is not None and org is None:
            raise PermissionDenied("填报单位不存在。")
        return ImportTerms(reporting_org=org, status=RecordStatus.SUBMITTED, within=None)
    if org_id is not None and org_id != scope.home_unit_id:
        raise PermissionDenied("只有管理员（市对口支援办）可以代其他单位导入；请以本单位名义导入。")
    home = Organisation.objects.filter(pk=scope.home_unit_id).first() if scope.home_unit_id else None
    if home is None:
        raise PermissionDenied("当前账号没有所属单位，不能导入台账。")
    return ImportTerms(reporting_org=home, status=RecordStatus.SUBMITTED, within=write_units(scope))


def upload_get_for_user(user: Any, token: str) -> Upload:
    """An upload of the user's own (by its token); 404 for anyone else's or an unknown token."""
    upload = Upload.objects.select_related("reporting_org", "batch").filter(token=token, user=user).first()
    if upload is None or not getattr(user, "is_authenticated", False):
        raise Http404("上传的文件不存在或已失效，请重新上传。")
    return upload


def upload_list_for_user(user: Any, *, limit: int = 10) -> list[Upload]:
    """The user's own recent uploads that wait for them or are being worked on (newest first)."""
    from .choices import UploadState

    states = (UploadState.RECEIVED, UploadState.PREVIEWING, UploadState.PREVIEWED, UploadState.IMPORTING)
    return list(Upload.objects.filter(user=user, state__in=states).order_by("-created_at")[:limit])


def flag_list_for_user(user: Any, *, resolved: bool = False) -> QuerySet[PurchaseFlag]:
    """The flags on purchases the user may review (the office: all; a lead reviewer: their scope's)."""
    scope = scope_for(user)
    if not scope.can_review:
        return PurchaseFlag.objects.none()
    visible = purchase_list_for_user(user).values("pk")
    return PurchaseFlag.objects.filter(purchase__in=visible, resolved_at__isnull=not resolved)


def flag_get_for_user(user: Any, pk: int) -> PurchaseFlag:
    flag = flag_list_for_user(user).filter(pk=pk).first()
    if flag is None:
        raise Http404("待核查记录不存在或已处理。")
    return flag
