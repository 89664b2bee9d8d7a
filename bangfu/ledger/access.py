"""The only permission-checked fetches of ledger data for the web and the API.

A purchase belongs to its purchaser's jurisdiction and to the unit that reported it: a user sees it when
either is inside their scope (a reporter of 周巷镇 sees what 周巷镇's units bought and what 周巷镇 reported).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from bangfu.accounts.access import Scope, scope_for

from .models import ImportBatch, Purchase


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
