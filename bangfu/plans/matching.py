"""Which item and target of a new table is which of the table it replaces. Pure Python, no Django.

Replacing a year's plan must not cut what hangs on its items (activity records) and targets (attribution
rules). An old item is the new item with the same number and the same text; failing that, the item with
the same text under another number (it moved); failing that, the item with the same number whose text
differs only a little (a corrected typo). Within a matched item, an old target is the new one of the same
kind with the same clause; failing that, of the same kind and value; failing that, the only one left of
its kind. Anything else is not matched, and the caller says so before replacing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher

from bangfu.common.text import squash

#: How alike two texts of the same number must be to be one item (a ratio of SequenceMatcher).
SIMILAR = 0.8


@dataclass(frozen=True)
class TargetKey:
    kind: str
    value: Decimal
    text: str


@dataclass(frozen=True)
class ItemKey:
    task: int
    seq: int
    content: str
    targets: tuple[TargetKey, ...] = field(default=())

    @property
    def code(self) -> str:
        return f"{self.task}.{self.seq}"


def _pair(
    old: Sequence[object],
    new: Sequence[object],
    tests: Sequence[Callable[[int, int], bool]],
) -> dict[int, int]:
    """Old index → new index, taking each test in turn over what is still unmatched (in order)."""
    found: dict[int, int] = {}
    taken: set[int] = set()
    for test in tests:
        for i in range(len(old)):
            if i in found:
                continue
            candidates = [j for j in range(len(new)) if j not in taken and test(i, j)]
            if candidates:
                found[i] = candidates[0]
                taken.add(candidates[0])
    return found


def match_items(old: Sequence[ItemKey], new: Sequence[ItemKey]) -> dict[int, int]:
    """Old item index → new item index (see the module's rules)."""
    old_text = [squash(key.content) for key in old]
    new_text = [squash(key.content) for key in new]

    def same_place(i: int, j: int) -> bool:
        return (old[i].task, old[i].seq) == (new[j].task, new[j].seq)

    def similar(i: int, j: int) -> bool:
        return same_place(i, j) and SequenceMatcher(None, old_text[i], new_text[j]).ratio() >= SIMILAR

    return _pair(
        old,
        new,
        [
            lambda i, j: same_place(i, j) and old_text[i] == new_text[j],
            lambda i, j: old_text[i] == new_text[j],
            similar,
        ],
    )


def match_targets(old: Sequence[TargetKey], new: Sequence[TargetKey]) -> dict[int, int]:
    """Old target index → new target index, within one matched item."""
    old_text = [squash(key.text) for key in old]
    new_text = [squash(key.text) for key in new]

    def only_one_left(i: int, j: int) -> bool:
        kind = old[i].kind
        return (
            new[j].kind == kind
            and sum(key.kind == kind for key in old) == 1
            and sum(key.kind == kind for key in new) == 1
        )

    return _pair(
        old,
        new,
        [
            lambda i, j: old[i].kind == new[j].kind and old_text[i] == new_text[j],
            lambda i, j: old[i].kind == new[j].kind and old[i].value == new[j].value,
            only_one_left,
        ],
    )
