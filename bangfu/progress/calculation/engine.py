"""Achievement of each (target, unit) line: rate, status against time progress, forecast, rank, roll-ups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from typing import Any

HUNDRED = Decimal(100)
ZERO = Decimal(0)
ONE = Decimal(1)

# Status codes (values of progress.choices.Status).
DONE, NORMAL, LAGGING, SEVERE = "done", "normal", "lagging", "severe"
NO_BASE, EXEMPT, REPRESENTED, NO_DATA = "no_base", "exempt", "represented", "no_data"
MEASURED = (DONE, NORMAL, LAGGING, SEVERE)


@dataclass(frozen=True)
class Thresholds:
    """A rate below expected × ``lagging_below`` is 滞后; below expected × ``severe_below`` 严重滞后."""

    lagging_below: Decimal = Decimal("0.90")
    severe_below: Decimal = Decimal("0.60")


@dataclass(frozen=True)
class LineSpec:
    """One (target, unit) line to compute. ``value`` is in the target's natural unit: 元 for amounts and
    per-capita quotas, a fraction for ratios, a number for counts. ``base`` is the ratio's base in 元 or
    the per-capita quota's head count. ``override`` is a status decided before any figure (exempt …)."""

    target_id: int
    kind: str
    value: Decimal
    org_ids: tuple[int, ...]
    purchasers: frozenset[int] = frozenset()
    sums_key: Any = None  # which per-purchaser sum table applies (None: not measured by purchases)
    base: Decimal | None = None
    expected: Decimal = ZERO
    override: str | None = None
    count: Decimal | None = None  # achieved count, for count targets measured from activities
    rank_group: str | None = None  # lines ranked together across targets (None: within the target)


@dataclass(frozen=True)
class LineResult:
    spec: LineSpec
    achieved_fen: int
    records: int
    achieved: Decimal | None  # in the target's natural unit (元, fraction, 元/人, count)
    rate: Decimal | None  # achieved ÷ target; None when it cannot be measured
    expected: Decimal
    status: str
    forecast_rate: Decimal | None = None
    rank: int | None = None
    rank_of: int | None = None

    @property
    def required_fen(self) -> int | None:
        """What the unit must buy in total to meet the target (元 targets and measured bases)."""
        return required_fen(self.spec)

    @property
    def shortfall_fen(self) -> int | None:
        """差额: what the unit still has to buy to meet the target (0 once met); None when the target is
        not measured in money (a count, a missing base, exempt …). The one figure every page, the
        bulletin and ``progress --json`` show as 差额."""
        required = self.required_fen
        if required is None or self.rate is None:
            return None
        return max(required - self.achieved_fen, 0)


def required_fen(spec: LineSpec) -> int | None:
    """What a line's unit must buy in total to meet the target (元 targets and measured bases)."""
    if spec.kind == "amount":
        return int(spec.value * HUNDRED)
    if spec.kind in ("ratio", "per_capita") and spec.base:
        return int((spec.value * spec.base * HUNDRED).to_integral_value())
    return None


def status_for(rate: Decimal, expected: Decimal, thresholds: Thresholds) -> str:
    if rate >= ONE:
        return DONE
    if rate >= expected * thresholds.lagging_below:
        return NORMAL
    if rate >= expected * thresholds.severe_below:
        return LAGGING
    return SEVERE


#: A line's figures before its rank: (achieved fen, records, achieved, rate, expected, status, forecast).
Figures = tuple[int, int, Decimal | None, Decimal | None, Decimal, str, Decimal | None]


def line_figures(
    spec: LineSpec,
    sums: Mapping[Any, Mapping[int, int]],
    counts: Mapping[Any, Mapping[int, int]],
    thresholds: Thresholds = Thresholds(),
) -> Figures:
    """What a line achieved and how it stands, as :class:`LineResult`'s fields after its spec."""
    table = sums.get(spec.sums_key, {})
    fen = sum(map(table.get, spec.purchasers, repeat(0)))
    count_table = counts.get(spec.sums_key, {})
    records = sum(map(count_table.get, spec.purchasers, repeat(0)))
    if spec.override:
        return fen, records, None, None, spec.expected, spec.override, None
    achieved: Decimal | None
    if spec.kind == "amount":
        achieved = Decimal(fen) / HUNDRED
    elif spec.kind in ("ratio", "per_capita"):
        if not spec.base:
            return fen, records, None, None, spec.expected, NO_BASE, None
        achieved = Decimal(fen) / HUNDRED / spec.base
    elif spec.count is not None:
        achieved = spec.count
    else:
        return fen, records, None, None, spec.expected, NO_DATA, None
    rate = achieved / spec.value if spec.value else ONE
    forecast = rate / spec.expected if spec.expected else None
    return fen, records, achieved, rate, spec.expected, status_for(rate, spec.expected, thresholds), forecast


def compute_line(
    spec: LineSpec,
    sums: Mapping[Any, Mapping[int, int]],
    counts: Mapping[Any, Mapping[int, int]],
    thresholds: Thresholds = Thresholds(),
) -> LineResult:
    """One line's result, unranked."""
    return LineResult(spec, *line_figures(spec, sums, counts, thresholds))


def rank_places(rates: Sequence[Decimal | None]) -> list[tuple[int, int] | None]:
    """The (rank, rank_of) of each of a ranking group's lines, by rate: 1 is the highest; equal rates
    share a rank; ``rank_of`` counts the measured lines. A line without a rate has none (None)."""
    measured = [index for index, rate in enumerate(rates) if rate is not None]
    ordered = sorted(measured, key=rates.__getitem__, reverse=True)  # type: ignore[arg-type]
    places: list[tuple[int, int] | None] = [None] * len(rates)
    previous_rate, previous_rank, of = None, 0, len(ordered)
    for position, index in enumerate(ordered, start=1):
        rate = rates[index]
        rank = previous_rank if rate == previous_rate else position
        places[index] = (rank, of)
        previous_rate, previous_rank = rate, rank
    return places


def with_place(result: LineResult, place: tuple[int, int] | None) -> LineResult:
    """The result with its rank (the constructor, not ``dataclasses.replace``: a tenth of the cost)."""
    rank, of = place if place is not None else (None, None)
    r = result
    return LineResult(
        r.spec, r.achieved_fen, r.records, r.achieved, r.rate, r.expected, r.status, r.forecast_rate, rank, of
    )


def rank_group_of(spec: LineSpec) -> Hashable:
    """The lines a line is ranked with: its spec's ``rank_group`` when it names one, else its target's."""
    return ("group", spec.rank_group) if spec.rank_group is not None else ("target", spec.target_id)


def compute_lines(
    specs: Iterable[LineSpec],
    sums: Mapping[Any, Mapping[int, int]],
    counts: Mapping[Any, Mapping[int, int]] | None = None,
    thresholds: Thresholds = Thresholds(),
) -> list[LineResult]:
    counts = counts or {}
    listed = list(specs)
    figures = [line_figures(spec, sums, counts, thresholds) for spec in listed]
    # Ranked before any result is made, so that each is made once (thousands of lines).
    by_group: dict[Hashable, list[int]] = defaultdict(list)
    for index, (spec, line) in enumerate(zip(listed, figures, strict=True)):
        if line[3] is not None:
            by_group[rank_group_of(spec)].append(index)
    places: list[tuple[int, int] | tuple[None, None]] = [(None, None)] * len(listed)
    for indexes in by_group.values():
        for index, place in zip(indexes, rank_places([figures[i][3] for i in indexes]), strict=True):
            if place is not None:
                places[index] = place
    return [
        LineResult(spec, *line, *place) for spec, line, place in zip(listed, figures, places, strict=True)
    ]


@dataclass
class Rollup:
    """A group of lines (a task, an item, a lead unit's lines, a town's lines) summed up."""

    lines: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    achieved_fen: int = 0  # amount lines only
    required_fen: int = 0  # amount lines and measured ratio/per-capita lines
    rate_sum: Decimal = ZERO  # of measured lines, each capped at 1
    measured: int = 0

    @property
    def mean_rate(self) -> Decimal | None:
        return self.rate_sum / self.measured if self.measured else None

    @property
    def behind(self) -> int:
        return self.statuses.get(LAGGING, 0) + self.statuses.get(SEVERE, 0)

    def add(self, result: LineResult) -> None:
        self.lines += 1
        self.statuses[result.status] = self.statuses.get(result.status, 0) + 1
        if result.rate is not None:
            self.measured += 1
            self.rate_sum += min(result.rate, ONE)
            required = result.required_fen
            if required is not None:
                self.required_fen += required
                self.achieved_fen += result.achieved_fen


def rollup(
    results: Iterable[LineResult], key: Callable[[LineResult], Iterable[Hashable]]
) -> dict[Hashable, Rollup]:
    """Roll lines up by ``key`` (which may put a line in several groups, e.g. a union in its town and
    under its lead unit)."""
    listed = list(results)
    return rollups(listed, {None: [key(result) for result in listed]})[None]


def capped_rate(rate: Decimal | None) -> Decimal | None:
    """What a line adds to a roll-up's ``rate_sum``: its rate, capped at 1 (as ``min(rate, ONE)``: the
    same Decimal)."""
    if rate is None:
        return None
    return ONE if rate > ONE else rate


def rollups(
    results: Sequence[LineResult],
    groups_of: Mapping[Any, Sequence[Iterable[Hashable]]],
    required_of: Sequence[int | None] | None = None,
) -> dict[Any, dict[Hashable, Rollup]]:
    """Several roll-ups of the same lines in one pass: ``groups_of[name][i]`` are the groups line ``i``
    belongs to in roll-up ``name``; returns {name: {group: Rollup}}. Each line's contribution is worked
    out once (the same figures as :meth:`Rollup.add` line by line). ``required_of``: each line's
    :attr:`LineResult.required_fen`, when the caller knows them already (they depend on the spec only)."""
    found: dict[Any, dict[Hashable, Rollup]] = {name: {} for name in groups_of}
    named = [(found[name], lists) for name, lists in groups_of.items()]
    for index, result in enumerate(results):
        status, rate = result.status, result.rate
        capped = capped_rate(rate)
        required: int | None = None
        if rate is not None:
            required = result.required_fen if required_of is None else required_of[index]
        for groups, lists in named:
            for group in lists[index]:
                total = groups.get(group)
                if total is None:
                    total = groups[group] = Rollup()
                total.lines += 1
                total.statuses[status] = total.statuses.get(status, 0) + 1
                if capped is not None:
                    total.measured += 1
                    total.rate_sum += capped
                    if required is not None:
                        total.required_fen += required
                        total.achieved_fen += result.achieved_fen
    return found
