"""Permission-checked fetches of activities and evidence: a user sees an activity when its unit is in
their scope; an evidence file when its activity or purchase is visible to them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from bangfu.accounts.access import scope_for
from bangfu.ledger.access import purchase_list_for_user

from .models import Activity, Evidence


def activity_list_for_user(user: Any) -> QuerySet[Activity]:
    scope = scope_for(user)
    if scope.role is None:
        return Activity.objects.none()
    if scope.all_units:
        return Activity.objects.all()
    return Activity.objects.filter(organisation_id__in=sorted(scope.unit_ids))


def activity_get_for_user(user: Any, pk: int) -> Activity:
    activity = activity_list_for_user(user).select_related("organisation", "item__task").filter(pk=pk).first()
    if activity is None:
        raise Http404("记录不存在或不在本单位范围内。")
    return activity


def evidence_get_for_user(user: Any, pk: int) -> Evidence:
    """The evidence file if the user may see the record it proves; 404 otherwise."""
    visible = Q(activity__in=activity_list_for_user(user)) | Q(purchase__in=purchase_list_for_user(user))
    evidence = Evidence.objects.filter(visible, pk=pk).first()
    if evidence is None:
        raise Http404("文件不存在或不在本单位范围内。")
    return evidence
