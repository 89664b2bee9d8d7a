"""Reads of units and groups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db.models import Q, QuerySet

from .matching import NameIndex, city_prefix_pattern
from .models import Organisation, OrganisationName, OrgGroup
from .tree import subtree


def _prefix():
    parents = [p for p in settings.BANGFU_NAME_PREFIXES if p != settings.BANGFU_CITY]
    return city_prefix_pattern(settings.BANGFU_CITY, parents)


def org_name_index() -> NameIndex[int]:
    """Every known spelling of every unit (current and former names), keyed by unit id."""
    index: NameIndex[int] = NameIndex(prefix=_prefix())
    index.add_all(OrganisationName.objects.values_list("organisation_id", "name"))
    return index


def group_name_index() -> NameIndex[int]:
    index: NameIndex[int] = NameIndex(prefix=_prefix())
    for group_id, name, aliases in OrgGroup.objects.values_list("id", "name", "aliases"):
        index.add(group_id, name)
        for alias in aliases or ():
            index.add(group_id, alias)
    return index


def org_list(*, kind: str | None = None, active: bool | None = None) -> QuerySet[Organisation]:
    qs = Organisation.objects.select_related("parent", "merged_into")
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("kind", "name")


def org_children_map() -> dict[int | None, list[int]]:
    """parent id → its units' ids, in id order (read on most pages: not sorted by kind and name, which
    would double its cost)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for org_id, parent_id in Organisation.objects.order_by("id").values_list("id", "parent_id"):
        children[parent_id].append(org_id)
    return children


def org_subtree_ids(org_id: int, *, children: dict[int | None, list[int]] | None = None) -> set[int]:
    """The unit and every unit under it in the jurisdiction tree."""
    return subtree(org_id, children if children is not None else org_children_map())


def group_members(group: OrgGroup, *, exclude_ids: Iterable[int] = ()) -> QuerySet[Organisation]:
    """Active units a group stands for; ``exclude_ids`` applies to "其他…" groups only."""
    condition = Q(pk__in=group.members.values("pk"))
    if group.kinds:
        by_kind = Q(kind__in=group.kinds)
        if group.scope_id:
            by_kind &= Q(pk__in=org_subtree_ids(group.scope_id))
        condition |= by_kind
    qs = Organisation.objects.filter(condition, active=True)
    if group.exclude_named:
        qs = qs.exclude(pk__in=list(exclude_ids))
    if group.topmost_only:
        members = set(qs.values_list("pk", flat=True))
        parents = dict(Organisation.objects.order_by().values_list("pk", "parent_id"))
        qs = qs.exclude(pk__in=[pk for pk in members if _has_ancestor_in(pk, members, parents)])
    return qs.order_by("kind", "name")


def _has_ancestor_in(pk: int, members: set[int], parents: Mapping[int, int | None]) -> bool:
    seen = {pk}
    node = parents.get(pk)
    while node is not None and node not in seen:
        if node in members:
            return True
        seen.add(node)
        node = parents.get(node)
    return False
