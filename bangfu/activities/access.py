"""Permission-checked fetches of activities and evidence: a user sees an activity when its unit is in
their scope; an evidence file when its activity or purchase is visible to them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from bangfu.accounts.access import scope_for

# Units a record may be entered for (or a list filtered by): one rule, in ``accounts.write_scope``.
from bangfu.accounts.write_scope import unit_choices_for_user as unit_choices_for_user
from bangfu.accounts.write_scope import unit_writable, write_units
from bangfu.ledger.access import purchase_list_for_user
from bangfu.ledger.choices import RecordStatus
from bangfu.orgs.models import Organisation
from bangfu.plans.models import Item

from .importing import ActivityImportResult, activities_import
from .models import Activity, Evidence
from .selectors import item_timeline
from .services import activities_authored_by


def _scoped(user: Any, qs: QuerySet[Activity]) -> QuerySet[Activity]:
    scope = scope_for(user)
    if scope.role is None:
        return qs.none()
    return qs if scope.all_units else qs.filter(organisation_id__in=sorted(scope.unit_ids))


def activity_list_for_user(user: Any) -> QuerySet[Activity]:
    return _scoped(user, Activity.objects.all())


def activity_get_for_user(user: Any, pk: int) -> Activity:
    activity = (
        activity_list_for_user(user)
        .select_related("organisation", "item__task__plan", "purchase", "created_by")
        .filter(pk=pk)
        .first()
    )
    if activity is None:
        raise Http404("记录不存在或不在本单位范围内。")
    return activity


def activities_get_for_user(user: Any, ids: Iterable[int]) -> QuerySet[Activity]:
    """Several activities by id (a reviewer's selection); 404 when any of them is not the user's to see."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        raise Http404("没有选择记录。")
    qs = activity_list_for_user(user).filter(pk__in=wanted).select_related("organisation")
    if qs.count() != len(wanted):
        raise Http404("记录不存在或不在本单位范围内。")
    return qs


def activity_review_queue_for_user(user: Any) -> QuerySet[Activity]:
    """Submitted activities the user may review and approve (empty for roles that do not review): those
    in their scope that they did not enter or change themselves (four-eyes,
    ``services.activities_authored_by``)."""
    if not scope_for(user).can_review:
        return Activity.objects.none()
    return (
        activity_list_for_user(user)
        .filter(status=RecordStatus.SUBMITTED)
        .exclude(activities_authored_by(user))
    )


def item_timeline_for_user(user: Any, item_id: int) -> QuerySet[Activity]:
    """What the user may see of everything done under an item, newest first, with units and evidence."""
    return _scoped(user, item_timeline(item_id))


def evidence_get_for_user(user: Any, pk: int) -> Evidence:
    """The evidence file if the user may see the record it proves; 404 otherwise."""
    visible = Q(activity__in=activity_list_for_user(user)) | Q(purchase__in=purchase_list_for_user(user))
    evidence = Evidence.objects.filter(visible, pk=pk).select_related("activity", "purchase").first()
    if evidence is None:
        raise Http404("文件不存在或不在本单位范围内。")
    return evidence


def evidence_may_delete(user: Any, evidence: Evidence) -> bool:
    """Whether the user may delete an evidence file they can see: its uploader, or the office."""
    scope = scope_for(user)
    if not scope.can_write:
        return False
    return scope.can_administer or (
        evidence.uploaded_by_id is not None and evidence.uploaded_by_id == user.pk
    )


def evidence_get_for_delete(user: Any, pk: int) -> Evidence:
    """The evidence file to delete: 404 outside the scope, 403 for anyone but its uploader or the office."""
    evidence = evidence_get_for_user(user, pk)
    if not evidence_may_delete(user, evidence):
        raise PermissionDenied("只有上传人或管理员可以删除佐证材料。")
    return evidence


def outlet_list_for_user(user: Any) -> QuerySet[Activity]:
    """Sales outlets (专柜、专区、专馆) of the user's units, with every field (the internal directory)."""
    return activity_list_for_user(user).filter(kind="outlet")


def activities_import_for_user(
    user: Any,
    path: Path,
    *,
    kind: str,
    default_org: Organisation | None,
    plan_items: dict[str, Item],
    default_item: Item | None,
    report_path: Path,
) -> ActivityImportResult:
    """Import a file of one kind: the office for any unit (units not yet known are created for review);
    reporters and lead reviewers only for units already known in their scope."""
    scope = scope_for(user)
    if not scope.can_write:
        raise PermissionDenied("当前账号无此权限。")
    if default_org is not None and not unit_writable(default_org.pk, write_units(scope)):
        raise PermissionDenied("超出本单位的数据范围。")
    return activities_import(
        path,
        kind=kind,
        user=user,
        default_org=default_org,
        plan_items=plan_items,
        default_item=default_item,
        within=write_units(scope),
        report_path=report_path,
    )
