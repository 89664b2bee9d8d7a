"""Per-import caches that turn names as written into units, regions and catalog entries.

An import of a million rows sees a few thousand distinct purchaser names and origins; each is resolved
once. Unknown purchasers are created under the town their name contains, else under the reporting unit,
else left unassigned (and listed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bangfu.common.text import name_key
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.matching import NameIndex, guess_kind
from bangfu.orgs.models import Organisation, OrganisationName
from bangfu.orgs.selectors import org_name_index
from bangfu.orgs.services import OrgError, org_create
from bangfu.regions.selectors import region_index

from .choices import Category, Channel
from .models import Product, Supplier

TOWN_LEVEL = (OrgKind.TOWN, OrgKind.STREET, OrgKind.COMMITTEE)
CHANNEL_BY_LABEL = {str(label): value for value, label in Channel.choices}
CATEGORY_BY_LABEL = {str(label): value for value, label in Category.choices}


@dataclass
class PurchaserResolver:
    reporting_org: Organisation | None
    index: NameIndex[int] = field(default_factory=org_name_index)
    created: list[str] = field(default_factory=list)
    unassigned: list[str] = field(default_factory=list)
    _cache: dict[str, int | None] = field(default_factory=dict)
    _towns: list[tuple[str, int]] | None = None

    def _town_spellings(self) -> list[tuple[str, int]]:
        if self._towns is None:
            rows = OrganisationName.objects.filter(
                organisation__kind__in=TOWN_LEVEL, organisation__active=True
            ).values_list("key", "organisation_id")
            spellings = {(key, org_id) for key, org_id in rows}
            # 周巷镇 is also written 周巷 at the start of a name (周巷中心小学).
            self._towns = sorted(spellings, key=lambda pair: len(pair[0]), reverse=True)
        return self._towns

    def _town_in(self, name: str) -> int | None:
        key = name_key(name)
        stripped = self.index.prefix.sub("", key) if self.index.prefix else key
        for spelling, org_id in self._town_spellings():
            if spelling in key or spelling in stripped:
                return org_id
        return None

    def resolve(self, name: str) -> int | None:
        if name in self._cache:
            return self._cache[name]
        match = self.index.resolve(name)
        org_id: int | None
        if match.found:
            org_id = match.key
        else:
            town_id = self._town_in(name)
            parent_id = town_id or (self.reporting_org.pk if self.reporting_org else None)
            if parent_id is None or match.ambiguous:
                org_id = None
                self.unassigned.append(name)
            else:
                org_id = self._create(name, parent_id)
        self._cache[name] = org_id
        return org_id

    def _create(self, name: str, parent_id: int) -> int | None:
        try:
            org = org_create(
                name=name,
                kind=guess_kind(name),
                parent=Organisation.objects.get(pk=parent_id),
                needs_review=True,
            )
        except OrgError:
            self.unassigned.append(name)
            return None
        self.index.add(org.pk, org.name)
        self.created.append(org.name)
        return org.pk


@dataclass
class RegionResolver:
    index: object = field(default_factory=region_index)
    _cache: dict[str, int | None] = field(default_factory=dict)

    def resolve(self, origin: str) -> int | None:
        if not origin:
            return None
        if origin not in self._cache:
            self._cache[origin] = self.index.resolve(origin)  # type: ignore[attr-defined]
        return self._cache[origin]


@dataclass
class CatalogResolver:
    """Links records to the supplier and product catalog when the names match; never required."""

    _suppliers: dict[str, int] = field(default_factory=dict)
    _products: dict[tuple[str, int | None], tuple[int, int | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for pk, name in Supplier.objects.values_list("pk", "name"):
            self._suppliers[name_key(name)] = pk
        for pk, name, supplier_id, region_id in Product.objects.values_list(
            "pk", "name", "supplier_id", "origin_region_id"
        ):
            self._products[(name_key(name), supplier_id)] = (pk, region_id)

    @property
    def empty(self) -> bool:
        return not self._suppliers and not self._products

    def supplier(self, name: str) -> int | None:
        return self._suppliers.get(name_key(name)) if name and self._suppliers else None

    def product(self, name: str, supplier_id: int | None) -> tuple[int | None, int | None]:
        """(product id, its origin region id) for a product name sold by that supplier (or any)."""
        if not name or not self._products:
            return None, None
        key = name_key(name)
        return self._products.get((key, supplier_id)) or self._products.get((key, None)) or (None, None)
