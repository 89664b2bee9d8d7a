"""Turning unit names as written in files into units, creating the ones not yet known.

One resolver per import: each distinct name is resolved once. A name that matches a known unit (any
spelling) is that unit. An unknown name is created — marked 待核实 — under the town or street its name
contains (慈溪市周巷镇中心小学 → under 周巷镇), else under ``default_parent`` (the reporting unit), else left
unassigned and listed.

With ``defer=True`` nothing is written while names are resolved: an unknown name gets a provisional id
(below :data:`OUTSIDE`) and is created by :meth:`OrgResolver.create_pending` — so that an import can read
and check a whole file without holding the database's write lock, and a preview writes nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bangfu.common.text import name_key

from .choices import TOWN_LEVEL
from .matching import NameIndex, guess_kind
from .models import Organisation, OrganisationName
from .selectors import org_name_index
from .services import OrgError, org_create

OUTSIDE = -1  # resolve(): the name is a unit (or names a town) outside the resolver's ``within``


@dataclass
class OrgResolver:
    default_parent: Organisation | None = None
    # Units a user may report for: a name matching a unit outside them, or naming a town outside them,
    # resolves to OUTSIDE (and nothing is created); None = no limit (the coordinator, the command line).
    within: frozenset[int] | None = None
    index: NameIndex[int] = field(default_factory=org_name_index)
    created: list[str] = field(default_factory=list)
    unassigned: list[str] = field(default_factory=list)
    # name → (the unit outside ``within`` it matched, or the town outside it that it names; True for a town)
    outside: dict[str, tuple[int, bool]] = field(default_factory=dict)
    defer: bool = False
    #: With ``defer``: provisional id → (name, parent id) of the units to create.
    pending: dict[int, tuple[str, int]] = field(default_factory=dict)
    _pending_keys: dict[str, int] = field(default_factory=dict)
    _cache: dict[str, int | None] = field(default_factory=dict)
    _towns: list[tuple[str, int]] | None = None

    def _town_spellings(self) -> list[tuple[str, int]]:
        if self._towns is None:
            rows = OrganisationName.objects.filter(
                organisation__kind__in=sorted(TOWN_LEVEL), organisation__active=True
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
            if org_id is not None and self.within is not None and org_id not in self.within:
                self.outside[name] = (org_id, False)
                org_id = OUTSIDE
        else:
            town_id = self._town_in(name)
            if town_id is not None and self.within is not None and town_id not in self.within:
                self.outside[name] = (town_id, True)
                self._cache[name] = OUTSIDE
                return OUTSIDE
            parent_id = town_id or (self.default_parent.pk if self.default_parent else None)
            if parent_id is None or match.ambiguous:
                org_id = None
                self.unassigned.append(name)
            else:
                org_id = self._create(name, parent_id)
        self._cache[name] = org_id
        return org_id

    def _create(self, name: str, parent_id: int) -> int | None:
        if self.defer:
            key = name_key(name)
            if key in self._pending_keys:  # another spelling of a unit already to be created
                return self._pending_keys[key]
            provisional = self._pending_keys[key] = OUTSIDE - 1 - len(self.pending)
            self.pending[provisional] = (name, parent_id)
            self.created.append(name)
            return provisional
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

    def create_pending(self) -> dict[int, int | None]:
        """Create the units deferred so far; provisional id → the new unit's id (None if it could not
        be created, the name then listed as unassigned)."""
        self.defer = False
        self.created = [name for name in self.created if name not in {n for n, _p in self.pending.values()}]
        ids: dict[int, int | None] = {}
        for provisional, (name, parent_id) in self.pending.items():
            ids[provisional] = self._create(name, parent_id)
        self.pending, self._pending_keys = {}, {}
        return ids


class KnownOrgResolver:
    """Resolves names to units already known and creates none: an import limited to a user's scope (the
    :class:`OrgResolver` of an unlimited import creates unknown units, 待核实). Nothing is created or left
    unassigned, so ``created`` and ``unassigned`` stay empty."""

    def __init__(self) -> None:
        self.index = org_name_index()
        self.created: list[str] = []
        self.unassigned: list[str] = []

    def resolve(self, name: str) -> int | None:
        return self.index.resolve(name).key
