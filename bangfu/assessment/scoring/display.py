"""A score as a page shows it: each indicator's points at 2 decimals adding up exactly to the total
shown, and the word that a total was rescaled. Pure Python.

The total (``score_unit``) is the exact sum rounded once; rounding every indicator's points on its own
can miss it by a cent or two (33.333 + 33.333 + 33.334 → 33.33 + 33.33 + 33.33 = 99.99 ≠ 100.00). Shown
points are rounded by the **largest-remainder method**: each is cut to the cent, and the cents still
missing to reach the total go to the points with the largest cut-off parts. No figure moves by more
than one cent, and the column always adds up to the total beside it.

When some indicators do not apply to a unit (no union in its jurisdiction …), its total is the points
of the others scaled to the full marks (``score_unit``): the shown points are then each indicator's
points × the scale, so that they still add up to the total, and ``scale`` says by how much.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from .functions import CENT, ZERO, UnitResult

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Entry:
    weight: Decimal
    points: Decimal
    applicable: bool = True
    veto: bool = False


@dataclass(frozen=True)
class ShownScore:
    points: tuple[Decimal | None, ...]  # per indicator, as shown (None: a veto, or not applicable)
    total: Decimal
    full_marks: Decimal
    applicable_marks: Decimal  # the full marks of the indicators that apply
    raw_total: Decimal  # their points before scaling
    vetoed: bool = False

    @property
    def scale(self) -> Decimal | None:
        """full ÷ applicable marks when the total was rescaled, else None."""
        if self.vetoed or not self.applicable_marks or self.applicable_marks == self.full_marks:
            return None
        return self.full_marks / self.applicable_marks

    @property
    def not_applicable_marks(self) -> Decimal:
        return self.full_marks - self.applicable_marks


def largest_remainder(values: Sequence[Decimal], total: Decimal) -> list[Decimal]:
    """``values`` rounded to the cent so that they add up to ``total`` (itself in cents)."""
    cents = [v * HUNDRED for v in values]
    floors = [c.to_integral_value(rounding=ROUND_FLOOR) for c in cents]
    missing = int((total * HUNDRED).to_integral_value(rounding=ROUND_HALF_UP) - sum(floors, ZERO))
    if not 0 <= missing <= len(values):  # not a rounding of ``total``: round each on its own
        return [v.quantize(CENT, rounding=ROUND_HALF_UP) for v in values]
    order = sorted(range(len(values)), key=lambda i: (-(cents[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return [(f / HUNDRED).quantize(CENT) for f in floors]


def shown_score(entries: Sequence[Entry], total: Decimal, *, vetoed: bool = False) -> ShownScore:
    scored = [e for e in entries if not e.veto]
    full = sum((e.weight for e in scored), ZERO)
    applicable = sum((e.weight for e in scored if e.applicable), ZERO)
    raw = sum((e.points for e in scored if e.applicable), ZERO)
    counted = [i for i, e in enumerate(entries) if not e.veto and e.applicable]
    factor = full / applicable if applicable and applicable != full and not vetoed else Decimal(1)
    values = [entries[i].points * factor for i in counted]
    # Vetoed: the total is 0 by the veto, the points are shown as earned.
    rounded = (
        [v.quantize(CENT, rounding=ROUND_HALF_UP) for v in values]
        if vetoed
        else largest_remainder(values, total)
    )
    shown: list[Decimal | None] = [None] * len(entries)
    for i, value in zip(counted, rounded, strict=True):
        shown[i] = value
    return ShownScore(tuple(shown), total, full, applicable, raw, vetoed)


def shown_for_result(result: UnitResult) -> ShownScore:
    entries = [
        Entry(r.rule.weight, r.points, r.applicable, r.rule.method == "veto") for r in result.indicators
    ]
    return shown_score(entries, result.total, vetoed=result.vetoed)
