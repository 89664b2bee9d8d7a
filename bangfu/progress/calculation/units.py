"""Which purchasers' records count for a unit: the unit, its jurisdiction, units whose purchases count
for it (an outsourced canteen). Sets, so that a record counts once however it is reached."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bangfu.orgs.tree import subtree  # pure, like this module

__all__ = ["purchaser_set", "subtree"]


def purchaser_set(
    roots: Iterable[int],
    *,
    whole_subtree: bool,
    children: Mapping[int | None, Iterable[int]],
    counts_for: Mapping[int, Iterable[int]],
) -> frozenset[int]:
    """The purchasers whose records count for ``roots``: each root (and, for jurisdiction targets, every
    unit under it), plus the units whose purchases are declared to count for one of those."""
    members: set[int] = set()
    for root in roots:
        members |= subtree(root, children) if whole_subtree else {root}
    extra = {proxy for member in list(members) for proxy in counts_for.get(member, ())}
    while extra - members:
        members |= extra
        extra = {proxy for member in extra for proxy in counts_for.get(member, ())}
    return frozenset(members)
