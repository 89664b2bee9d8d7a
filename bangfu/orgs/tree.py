"""The jurisdiction tree as plain data (PURE: no Django): a unit and every unit under it, from a map of
parent id → its units' ids (``orgs.selectors.org_children_map``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def subtree(root: int, children: Mapping[int | None, Iterable[int]]) -> set[int]:
    """``root`` and every unit under it."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(children.get(node, ()))
    return seen
