"""Reads of activities: an item's timeline, count-target achievement, the public outlet directory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from bangfu.ledger.choices import RecordStatus

from .kinds import KINDS
from .models import Activity

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


def outlet_directory(
    *, place_type: str = "", town_id: int | None = None, q: str = ""
) -> list[dict[str, Any]]:
    """Open outlets for the public directory: only fields marked public, nothing private."""
    from bangfu.orgs.selectors import org_subtree_ids

    qs = Activity.objects.filter(kind="outlet", public=True, status=RecordStatus.APPROVED).select_related(
        "organisation"
    )
    if town_id is not None:
        qs = qs.filter(organisation_id__in=org_subtree_ids(town_id))
    if q:
        qs = qs.filter(title__icontains=q[:50])
    public_fields = [spec for spec in KINDS["outlet"].fields if spec.public]
    outlets = []
    for activity in qs.order_by("title"):
        details = activity.details
        if details.get("status") == "已关闭":
            continue
        if place_type and details.get("place_type") != place_type:
            continue
        outlets.append(
            {
                "title": activity.title,
                "fields": [(spec.label, details.get(spec.name) or "") for spec in public_fields],
                "place_type": details.get("place_type", ""),
            }
        )
    return outlets
