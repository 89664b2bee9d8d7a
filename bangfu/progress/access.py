"""Permission-checked reads of progress for the web and the API: a user sees the lines of units in
their scope (all units for the coordinator and leaders)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from bangfu.accounts.access import scope_for
from bangfu.orgs.models import Organisation
from bangfu.plans.models import Plan

from .models import BaseValue
from .selectors import ProgressReport, progress_compute


def progress_for_user(
    user: Any, plan: Plan, *, as_of: dt.date, org_ids: Any = None, approved_only: bool | None = None
) -> ProgressReport:
    """The plan's lines the user may see (optionally only ``org_ids``, intersected with the scope)."""
    scope = scope_for(user)
    if scope.role is None:
        raise PermissionDenied("请先登录。")
    wanted = None if org_ids is None else set(org_ids)
    if not scope.all_units:
        wanted = set(scope.unit_ids) if wanted is None else wanted & scope.unit_ids
    return progress_compute(plan, as_of=as_of, org_ids=wanted, approved_only=approved_only)


def unit_get_for_user(user: Any, pk: int) -> Organisation:
    scope = scope_for(user)
    if scope.role is None or not scope.covers(pk):
        raise Http404("单位不存在或不在本单位范围内。")
    unit = Organisation.objects.select_related("parent").filter(pk=pk).first()
    if unit is None:
        raise Http404("单位不存在。")
    return unit


def base_values_for_user(user: Any, *, year: int):
    scope = scope_for(user)
    qs = BaseValue.objects.filter(year=year).select_related("organisation")
    if scope.role is None:
        return qs.none()
    return qs if scope.all_units else qs.filter(organisation_id__in=sorted(scope.unit_ids))
