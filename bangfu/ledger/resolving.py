"""Per-import caches that turn names as written into regions and catalog entries (units: see
``bangfu.orgs.resolving``). A million-row import sees a few thousand distinct origins; each is resolved once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bangfu.common.text import name_key
from bangfu.regions.selectors import region_index

from .choices import Category, Channel
from .models import Product, Supplier

CHANNEL_BY_LABEL = {str(label): value for value, label in Channel.choices}
CATEGORY_BY_LABEL = {str(label): value for value, label in Category.choices}


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
