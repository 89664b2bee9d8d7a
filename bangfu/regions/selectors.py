"""Reads of regions and pairings."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .matching import PlaceIndex
from .models import Pairing, Region


def region_list() -> QuerySet[Region]:
    return Region.objects.prefetch_related("pairings").order_by("province", "prefecture", "county")


def paired_region_ids(year: int) -> set[int]:
    """Areas paired with the city in ``year``: the one rule for a "paired-area origin" — the progress
    engine counts it for a plan's year, the ledger list for the list's year
    (``ledger.selectors.purchase_list_year``). A pairing covers the years from ``year_from`` to
    ``year_to`` (open: still in force)."""
    covering = Q(year_from__lte=year) & (Q(year_to__isnull=True) | Q(year_to__gte=year))
    return set(Pairing.objects.filter(covering).values_list("region_id", flat=True))


def region_832_ids() -> set[int]:
    return set(Region.objects.filter(is_832=True).values_list("pk", flat=True))


def region_index() -> PlaceIndex[int]:
    """Every known area (paired or 832), for recognising origins as written."""
    index: PlaceIndex[int] = PlaceIndex()
    for region in Region.objects.all():
        index.add(region.pk, region.place, region.aliases)
    return index
