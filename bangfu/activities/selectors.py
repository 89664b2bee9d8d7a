"""Reads of activities: an item's timeline, count-target achievement, the public outlet directory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.plans.models import Item, Plan, RoleAssignment, Target

from .kinds import KINDS
from .models import Activity, Evidence

COUNTED = (RecordStatus.SUBMITTED, RecordStatus.APPROVED)


def item_timeline(item_id: int) -> QuerySet[Activity]:
    """Everything done under an item, newest first, with its unit and evidence."""
    return (
        Activity.objects.filter(item_id=item_id)
        .select_related("organisation")
        .prefetch_related("evidence")
        .order_by("-date", "-id")
    )


def count_achieved(
    *,
    item_id: int,
    unit: str,
    org_ids: Iterable[int],
    as_of: dt.date,
    statuses: Iterable[str] = COUNTED,
    start: dt.date | None = None,
) -> Decimal:
    """What the activities of ``org_ids`` under an item add up to, in the count target's unit
    (场: events, 人次: trainees, 个: outlets, 篇: reports, 亩: claimed area …)."""
    total = Decimal(0)
    qs = Activity.objects.filter(
        item_id=item_id, organisation_id__in=list(org_ids), date__lte=as_of, status__in=list(statuses)
    )
    if start is not None:
        qs = qs.filter(date__gte=start)
    for kind, details in qs.values_list("kind", "details"):
        total += KINDS[kind].measure(unit, details)
    return total


def item_counts(
    item_ids: Iterable[int], *, as_of: dt.date, statuses: Iterable[str] = COUNTED
) -> dict[int, list[tuple[int, str, dict[str, Any]]]]:
    """Activities per item (organisation id, kind, details) — loaded once for every count line."""
    grouped: dict[int, list[tuple[int, str, dict[str, Any]]]] = {}
    rows = Activity.objects.filter(
        item_id__in=list(item_ids), date__lte=as_of, status__in=list(statuses)
    ).values_list("item_id", "organisation_id", "kind", "details")
    for item_id, org_id, kind, details in rows:
        grouped.setdefault(item_id, []).append((org_id, kind, details))
    return grouped


def outlet_directory(*, place_type: str = "", town_id: int | None = None, q: str = "") -> QuerySet[Activity]:
    """Outlets for the public directory: approved, marked public and not closed. Every condition is a
    database filter, so that a page reads only its own rows. Show them with :func:`outlet_public_card`
    only."""
    from bangfu.orgs.selectors import org_subtree_ids

    qs = Activity.objects.filter(kind="outlet", public=True, status=RecordStatus.APPROVED).filter(
        ~Q(details__status="已关闭") | Q(details__status__isnull=True)
    )
    if town_id is not None:
        qs = qs.filter(organisation_id__in=sorted(org_subtree_ids(town_id)))
    if q:
        qs = qs.filter(title__icontains=q[:50])
    if place_type:
        qs = qs.filter(details__place_type=place_type)
    return qs.only("id", "title", "details")


def outlet_public_card(activity: Activity) -> dict[str, Any]:
    """What the public directory shows of an outlet: its name and the fields marked public, nothing
    private (monthly sales, contacts)."""
    details = activity.details
    return {
        "title": activity.title,
        "fields": [
            (spec.label, details.get(spec.name) or "") for spec in KINDS["outlet"].fields if spec.public
        ],
        "place_type": details.get("place_type", ""),
    }


# --- lists and pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityFilters:
    kind: str = ""
    unit: int | None = None  # the unit and its whole jurisdiction
    item: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    status: str = ""
    q: str = ""


def activity_filter(qs: QuerySet[Activity], filters: ActivityFilters) -> QuerySet[Activity]:
    from bangfu.orgs.selectors import org_subtree_ids

    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.unit is not None:
        qs = qs.filter(organisation_id__in=sorted(org_subtree_ids(filters.unit)))
    if filters.item is not None:
        qs = qs.filter(item_id=filters.item)
    if filters.date_from is not None:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to is not None:
        qs = qs.filter(date__lte=filters.date_to)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.q:
        qs = qs.filter(title__icontains=filters.q[:50])
    return qs


def activity_for_list(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    """A list's rows: unit, item and purchase joined, evidence counted — a fixed number of queries."""
    return (
        qs.select_related("organisation", "item__task", "purchase")
        .annotate(evidence_count=Count("evidence"))
        .order_by("-date", "-id")
    )


def activity_kind_counts(qs: QuerySet[Activity]) -> dict[str, int]:
    """How many records of each kind ``qs`` holds (one grouped query)."""
    rows = qs.order_by().values_list("kind").annotate(n=Count("id"))
    return dict(rows)


def item_choices(plan: Plan | None) -> QuerySet[Item]:
    """The items a record can be filed under: the plan's, in table order."""
    if plan is None:
        return Item.objects.none()
    return Item.objects.filter(task__plan=plan).select_related("task").order_by("task__seq", "seq")


def item_get(item_id: int) -> Item | None:
    """An item with its task, plan, roles and targets (for the item page)."""
    return (
        Item.objects.select_related("task__plan")
        .prefetch_related(
            Prefetch(
                "roles",
                queryset=RoleAssignment.objects.select_related("organisation", "group").order_by(
                    "role", "position"
                ),
            ),
            Prefetch(
                "targets", queryset=Target.objects.prefetch_related("orgs", "groups").order_by("position")
            ),
        )
        .filter(pk=item_id)
        .first()
    )


def purchase_evidence(purchase: Purchase) -> QuerySet[Evidence]:
    return purchase.evidence.select_related("uploaded_by").order_by("-uploaded_at", "-id")


def activity_evidence(activity: Activity) -> QuerySet[Evidence]:
    return activity.evidence.select_related("uploaded_by").order_by("-uploaded_at", "-id")


@dataclass(frozen=True)
class OutletFilters:
    place_type: str = ""
    town: int | None = None
    status: str = ""  # the outlet's own status: 营业中, 暂停, 已关闭
    q: str = ""


def outlet_filter(qs: QuerySet[Activity], filters: OutletFilters) -> QuerySet[Activity]:
    """Outlets by place type, town (its whole jurisdiction), operating status and name."""
    from bangfu.orgs.selectors import org_subtree_ids

    qs = qs.filter(kind="outlet")
    if filters.place_type:
        qs = qs.filter(details__place_type=filters.place_type)
    if filters.status:
        qs = qs.filter(details__status=filters.status)
    if filters.town is not None:
        qs = qs.filter(organisation_id__in=sorted(org_subtree_ids(filters.town)))
    if filters.q:
        qs = qs.filter(title__icontains=filters.q[:50])
    return qs.select_related("organisation", "item__task").order_by("title", "id")
