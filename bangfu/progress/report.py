"""A report of progress: computed lines with what a person needs to read them, and their roll-ups (by
task, item, lead unit and town), assembled from the pure engine's results. Shared by the computation
(:mod:`progress.selectors`) and the live figures (:mod:`progress.live`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field, replace

from bangfu.orgs.choices import TOWN_LEVEL
from bangfu.orgs.models import Organisation
from bangfu.plans.choices import ItemRole
from bangfu.plans.models import Item, Plan, Task

from .calculation import LineResult, compute_lines
from .calculation.engine import Rollup, required_fen, rollups
from .lines import Prepared, ProgressLine, org_index
from .sums import SumTable

# (target id, the line's unit ids) → (rank, rank_of): a line's place over the whole plan (progress.ranking)
RankTable = dict[tuple[int, tuple[int, ...]], tuple[int | None, int | None]]


@dataclass
class ProgressReport:
    plan: Plan
    as_of: dt.date
    lines: list[ProgressLine]
    by_task: dict[Hashable, Rollup] = field(default_factory=dict)
    by_item: dict[Hashable, Rollup] = field(default_factory=dict)
    by_lead: dict[Hashable, Rollup] = field(default_factory=dict)
    by_town: dict[Hashable, Rollup] = field(default_factory=dict)
    orgs: dict[int, Organisation] = field(default_factory=dict)


#: Each roll-up of a report: (its name in a :class:`Shape`'s groups, the report's attribute).
ROLLUPS = (("task", "by_task"), ("item", "by_item"), ("lead", "by_lead"), ("town", "by_town"))


def report_build(
    prepared: Prepared,
    sums: SumTable,
    counts: SumTable,
    orgs: dict[int, Organisation] | None = None,
    ranks: RankTable | None = None,
) -> ProgressReport:
    """The report of prepared lines from the purchases' sums: each line computed by the pure engine."""
    results = compute_lines([line.spec for line in prepared.lines], sums, counts, prepared.thresholds)
    if not prepared.complete:
        # Ranked among the lines computed here, a unit would be 1/1: take the whole plan's ranks, or none.
        results = [with_rank(result, ranks) for result in results]
    return report_of(prepared, results, orgs)


def report_of(
    prepared: Prepared, results: list[LineResult], orgs: dict[int, Organisation] | None = None
) -> ProgressReport:
    """The report of prepared lines whose results are known (``results[i]`` is ``prepared.lines[i]``'s)."""
    orgs = orgs if orgs is not None else org_index(prepared)
    shape = report_shape(prepared, orgs)
    lines = [
        ProgressLine(result, line.target, item, task, line.orgs, line.rule, line.counted_at, line.represents)
        for line, result, (item, task) in zip(prepared.lines, results, shape.items, strict=True)
    ]
    report = ProgressReport(plan=prepared.plan, as_of=prepared.as_of, lines=lines, orgs=orgs)
    found = rollups(results, shape.groups, shape.required)
    for name, attribute in ROLLUPS:
        setattr(report, attribute, found[name])
    return report


def report_of_part(
    whole: Prepared, whole_orgs: dict[int, Organisation], part: Prepared, results: list[LineResult]
) -> ProgressReport:
    """The report of some of the whole plan's lines (``part``, from :func:`progress.lines.narrowed`,
    which says where its lines are in the whole plan's) whose results are known: each line's item, task,
    roll-up groups and required amount taken from the whole plan's shape instead of worked out again."""
    shape = report_shape(whole, whole_orgs)
    positions = part.derived["positions"]
    part.derived["shape"] = Shape(
        [shape.items[p] for p in positions],
        {name: [per_line[p] for p in positions] for name, per_line in shape.groups.items()},
        [shape.required[p] for p in positions],
    )
    return report_of(part, results, whole_orgs)


@dataclass(frozen=True)
class Shape:
    """What a report needs of each line besides its figures: its item and task, and the roll-up groups
    it belongs to ({"task" | "item" | "lead" | "town": groups of each line})."""

    items: list[tuple[Item, Task]]
    groups: dict[str, list[Iterable[int]]]
    required: list[int | None]  # each line's required_fen (its spec's alone)


def report_shape(prepared: Prepared, orgs: dict[int, Organisation]) -> Shape:
    """The lines' :class:`Shape`, worked out once per prepared lines (the whole plan's are cached, and
    so is this with them): nothing in it depends on the purchases."""
    found = prepared.derived.get("shape")
    if isinstance(found, Shape):
        return found
    items = [(line.target.item, line.target.item.task) for line in prepared.lines]
    parents = {child: parent for parent, kids in prepared.children.items() for child in kids}
    town_of: dict[int, int | None] = {}

    def town(org_id: int) -> int | None:
        if org_id not in town_of:
            node: int | None = org_id
            while node is not None:
                org = orgs.get(node)
                if org is not None and org.kind in TOWN_LEVEL:
                    break
                node = parents.get(node)
            town_of[org_id] = node
        return town_of[org_id]

    roles = {item.pk: list(item.roles.all()) for item, _task in items}
    leads = {
        item_id: {a.organisation_id for a in assigned if a.role == ItemRole.LEAD and a.organisation_id}
        for item_id, assigned in roles.items()
    }
    shape = Shape(
        items,
        {
            "task": [(task.pk,) for _item, task in items],
            "item": [(item.pk,) for item, _task in items],
            "lead": [leads.get(item.pk, set()) for item, _task in items],
            "town": [
                {found for org_id in line.spec.org_ids if (found := town(org_id)) is not None}
                for line in prepared.lines
            ],
        },
        [required_fen(line.spec) for line in prepared.lines],
    )
    prepared.derived["shape"] = shape
    return shape


def with_rank(result: LineResult, ranks: RankTable | None) -> LineResult:
    rank, rank_of = (ranks or {}).get((result.spec.target_id, result.spec.org_ids), (None, None))
    return replace(result, rank=rank, rank_of=rank_of)
