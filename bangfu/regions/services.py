"""Writes to regions: paired areas and county lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from .choices import PairingKind
from .matching import Place, gazetteer_lookup
from .models import Pairing, Region
from .parsing import RegionFileError, read_county_rows
from .selectors import region_index


class RegionError(Exception):
    """A region operation that cannot be done; the message is for the user (Chinese)."""


def region_find_place(name: str) -> Place:
    """Complete a county given by any of its names from the shipped gazetteer."""
    places = gazetteer_lookup(name)
    if not places:
        raise RegionError(f"在全国县级行政区划中找不到“{name}”，请写出省、市（州）和县名。")
    if len(places) > 1:
        choices = "、".join(f"{p.province}{p.prefecture}{p.county}" for p in places[:6])
        raise RegionError(f"“{name}”可能指多个县：{choices}。请写出省或市（州）名。")
    return places[0]


def region_get_or_create(place: Place, *, is_832: bool | None = None) -> tuple[Region, bool]:
    region, created = Region.objects.get_or_create(
        province=place.province,
        prefecture=place.prefecture,
        county=place.county,
        defaults={"code": place.code, "is_832": bool(is_832)},
    )
    if is_832 and not region.is_832:
        region.is_832 = True
        region.save(update_fields=["is_832", "updated_at"])
    return region, created


@transaction.atomic
def region_add(
    *, name: str, year: int | None = None, kind: str = PairingKind.EAST_WEST, is_832: bool | None = None
) -> tuple[Region, Pairing]:
    """Pair the city with an area (given by full or short name) for ``year`` (default: from this year on)."""
    known = region_index().resolve(name)
    if known is not None:
        region = Region.objects.get(pk=known)
        if is_832 and not region.is_832:
            region.is_832 = True
            region.save(update_fields=["is_832", "updated_at"])
    else:
        region, _created = region_get_or_create(region_find_place(name), is_832=is_832)
    start = year or timezone.localdate().year
    for pairing in region.pairings.all():
        if pairing.year_from <= start and (pairing.year_to is None or pairing.year_to >= start):
            return region, pairing
    pairing = Pairing.objects.create(region=region, kind=kind, year_from=start, year_to=year)
    return region, pairing


@dataclass
class RegionImportResult:
    created: int = 0
    updated: int = 0
    unknown: list[str] = field(default_factory=list)


@transaction.atomic
def regions_import(path: Path, *, is_832: bool = False, pair_year: int | None = None) -> RegionImportResult:
    """Import a county list (e.g. the 832 counties): columns 省, 市（州）, 县; optional 832 flag column.

    A row that names a county the gazetteer does not know is kept as written when it gives a province;
    rows that cannot be placed are listed, not dropped silently.
    """
    result = RegionImportResult()
    try:
        rows = list(
            read_county_rows(path)
        )  # a county list is small; reading it whole surfaces every error here
    except RegionFileError as exc:
        raise RegionError(str(exc)) from exc
    for row in rows:
        text = f"{row.province}{row.prefecture}{row.county}"
        places = gazetteer_lookup(text)
        if len(places) == 1:
            place = places[0]
        elif row.province and row.county:
            place = Place(province=row.province, prefecture=row.prefecture, county=row.county)
        else:
            result.unknown.append(f"第{row.row}行：{text}")
            continue
        region, created = region_get_or_create(place, is_832=is_832 or row.is_832)
        result.created += created
        result.updated += not created
        if pair_year is not None:
            region_add(name=region.full_name, year=pair_year)
    return result


@transaction.atomic
def regions_seed() -> list[Region]:
    """The pairings the city starts with (`bangfu/data/regions.json`); idempotent."""
    import json

    data = json.loads((Path(__file__).resolve().parent.parent / "data" / "regions.json").read_text("utf-8"))
    seeded = []
    for entry in data["pairings"]:
        place = Place(entry["province"], entry["prefecture"], entry["county"], entry.get("code", ""))
        region, _created = region_get_or_create(place, is_832=entry.get("is_832", False))
        if not region.pairings.exists():
            Pairing.objects.create(
                region=region, kind=entry["kind"], year_from=entry["year_from"], year_to=entry.get("year_to")
            )
        seeded.append(region)
    return seeded
