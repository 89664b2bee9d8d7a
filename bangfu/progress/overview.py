"""What the dashboard and the unit page show, built from computed progress (no queries of its own
beyond what the selectors passed in): totals, shares by status, tasks, the town ranking, lagging units,
and each line beside its approved-only figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bangfu.orgs.choices import TOWN_LEVEL, OrgKind
from bangfu.orgs.models import Organisation
from bangfu.plans.choices import TargetKind
from bangfu.plans.models import Task

from .calculation import elapsed_share
from .calculation.engine import DONE, LAGGING, NORMAL, SEVERE, Rollup
from .lines import ProgressLine
from .ranking import town_ranking
from .selectors import OfficialProgress, ProgressReport
from .trend import Trend

BEHIND = (LAGGING, SEVERE)
StrOrPromise = str | Promise


def year_progress(year: int, as_of: dt.date) -> Decimal:
    """The plain time progress of the year (时序进度) as of a date."""
    return elapsed_share(as_of, dt.date(year, 1, 1), dt.date(year, 12, 31))


@dataclass(frozen=True)
class AmountTotals:
    """Σ of lines with a required amount: what was bought against what the targets ask for."""

    lines: int = 0
    achieved_fen: int = 0
    required_fen: int = 0

    @property
    def rate(self) -> Decimal | None:
        return Decimal(self.achieved_fen) / Decimal(self.required_fen) if self.required_fen else None

    @classmethod
    def of(cls, lines: Iterable[ProgressLine]) -> AmountTotals:
        counted = [line.result for line in lines if line.result.rate is not None]
        return cls(
            lines=len(counted),
            achieved_fen=sum(r.achieved_fen for r in counted if r.required_fen is not None),
            required_fen=sum(r.required_fen or 0 for r in counted),
        )


@dataclass(frozen=True)
class StatusShare:
    """How many lines are done, on track, behind, and not measured (no base, exempt, no data …)."""

    done: int = 0
    normal: int = 0
    lagging: int = 0
    severe: int = 0
    unmeasured: int = 0

    @property
    def behind(self) -> int:
        return self.lagging + self.severe

    @property
    def measured(self) -> int:
        return self.done + self.normal + self.behind

    @property
    def total(self) -> int:
        return self.measured + self.unmeasured

    def share(self, count: int) -> Decimal | None:
        return Decimal(count) / self.measured if self.measured else None

    @property
    def done_share(self) -> Decimal | None:
        return self.share(self.done)

    @property
    def normal_share(self) -> Decimal | None:
        return self.share(self.normal)

    @property
    def behind_share(self) -> Decimal | None:
        return self.share(self.behind)

    @classmethod
    def of(cls, lines: Iterable[ProgressLine]) -> StatusShare:
        counts = {DONE: 0, NORMAL: 0, LAGGING: 0, SEVERE: 0}
        unmeasured = 0
        for line in lines:
            if line.result.status in counts:
                counts[line.result.status] += 1
            else:
                unmeasured += 1
        return cls(counts[DONE], counts[NORMAL], counts[LAGGING], counts[SEVERE], unmeasured)


@dataclass(frozen=True)
class LinePair:
    """A line's official (approved-only) figure beside the figure with records awaiting review."""

    line: ProgressLine  # approved only
    with_submitted: ProgressLine

    @property
    def pending_fen(self) -> int:
        return self.with_submitted.result.achieved_fen - self.line.result.achieved_fen

    @property
    def pending_records(self) -> int:
        return self.with_submitted.result.records - self.line.result.records


@dataclass(frozen=True)
class TaskRollup:
    task: Task
    rollup: Rollup
    with_submitted: Rollup
    amounts: AmountTotals
    units: int = 0  # distinct units with a line under the task (a union's two targets: one unit)

    @property
    def unmeasured(self) -> int:
        return self.rollup.lines - self.rollup.measured


@dataclass(frozen=True)
class RankedTown:
    """A line of the town ranking on the dashboard: its official figure (and place) beside the figure
    with records awaiting review."""

    pair: LinePair

    @property
    def orgs(self) -> tuple[Organisation, ...]:
        return self.pair.line.orgs

    @property
    def org(self) -> Organisation:
        """The town (the first, for a total target of several towns)."""
        return self.pair.line.orgs[0]

    @property
    def rank(self) -> int | None:
        return self.pair.line.result.rank

    @property
    def rate(self) -> Decimal | None:
        return self.pair.line.result.rate

    @property
    def rate_with_submitted(self) -> Decimal | None:
        return self.pair.with_submitted.result.rate


@dataclass
class LaggingUnit:
    org: Organisation
    lines: list[ProgressLine] = field(default_factory=list)

    @property
    def group(self) -> str:
        return unit_group(self.org)

    @property
    def shortfall_fen(self) -> int:
        """The 差额 of its lagging lines measured in money, summed."""
        return sum(line.result.shortfall_fen or 0 for line in self.lines)

    @property
    def severe(self) -> bool:
        return any(line.result.status == SEVERE for line in self.lines)

    @property
    def worst_rate(self) -> Decimal:
        rates = [line.result.rate for line in self.lines if line.result.rate is not None]
        return min(rates) if rates else Decimal(0)


# --- at a glance: who is short, and by how much (万元) ----------------------------------------------

#: The kinds of unit the leader reads apart (镇街、部门、食堂、工会 …), in this order; a line belongs to
#: the group of its (first) unit's kind. Units of any other kind go to the last group.
UNIT_GROUPS: tuple[tuple[str, StrOrPromise, frozenset[str]], ...] = (
    ("towns", _("镇（街道）、管委会"), frozenset(TOWN_LEVEL)),
    ("departments", _("市级部门"), frozenset({OrgKind.DEPARTMENT})),
    ("canteens", _("学校、医院等食堂"), frozenset({OrgKind.CANTEEN, OrgKind.SCHOOL, OrgKind.HOSPITAL})),
    ("unions", _("基层工会"), frozenset({OrgKind.UNION})),
    ("others", _("其他单位"), frozenset()),
)


#: Lines listed per kind of unit in the 差额一览 (the largest shortfalls): a city has thousands of lines,
#: and rendering every one takes seconds; the totals still cover all of them.
GLANCE_SHOWN = 20


@dataclass
class GlanceGroup:
    """One kind of unit's lines measured in money, the largest shortfall (差额) first. Its figures are
    computed once, when first read (after :func:`glance_groups` has filled and sorted the lines)."""

    key: str
    label: str
    lines: list[ProgressLine] = field(default_factory=list)

    @cached_property
    def short(self) -> list[ProgressLine]:
        """The lines still short of their target (差额 above 0)."""
        return [line for line in self.lines if line.result.shortfall_fen]

    @property
    def short_shown(self) -> list[ProgressLine]:
        """The :data:`GLANCE_SHOWN` largest shortfalls, the lines a page lists."""
        return self.short[:GLANCE_SHOWN]

    @property
    def short_more(self) -> int:
        """Lines short of their target beyond :attr:`short_shown` (counted in the totals, not listed)."""
        return max(0, len(self.short) - GLANCE_SHOWN)

    @property
    def met(self) -> int:
        return len(self.lines) - len(self.short)

    @cached_property
    def achieved_fen(self) -> int:
        return sum(line.result.achieved_fen for line in self.lines)

    @cached_property
    def required_fen(self) -> int:
        return sum(line.result.required_fen or 0 for line in self.lines)

    @cached_property
    def shortfall_fen(self) -> int:
        return sum(line.result.shortfall_fen or 0 for line in self.lines)

    @cached_property
    def behind(self) -> int:
        return sum(1 for line in self.lines if line.result.status in BEHIND)

    @property
    def units(self) -> int:
        return len({org.pk for line in self.lines for org in line.orgs})


def unit_group(org: Organisation) -> str:
    for key, _label, kinds in UNIT_GROUPS:
        if org.kind in kinds:
            return key
    return UNIT_GROUPS[-1][0]


def glance_groups(lines: Iterable[ProgressLine]) -> list[GlanceGroup]:
    """Every line measured in money (an amount, or a ratio or quota with its base), grouped by kind of
    unit and sorted by 差额 (:attr:`LineResult.shortfall_fen`), largest first; empty groups left out."""
    groups = {key: GlanceGroup(key, str(label)) for key, label, _kinds in UNIT_GROUPS}
    for line in lines:
        if line.result.shortfall_fen is None or not line.orgs:
            continue
        groups[unit_group(line.orgs[0])].lines.append(line)
    for group in groups.values():
        group.lines.sort(key=lambda line: (-(line.result.shortfall_fen or 0), line.org_label, line.item_code))
    return [group for group in groups.values() if group.lines]


@dataclass(frozen=True)
class Pending:
    """Records awaiting review (submitted) behind the headline figure, and how many lines of any target
    would change once they are approved."""

    records: int = 0
    amount_fen: int = 0
    lines: int = 0


@dataclass
class Overview:
    as_of: dt.date
    time_progress: Decimal
    lines: int
    headline: str  # what ``amount`` sums: "金额目标", or one target's lines measured against bases
    amount: AmountTotals
    amount_with_submitted: AmountTotals
    statuses: StatusShare
    statuses_with_submitted: StatusShare
    tasks: list[TaskRollup]
    towns: list[RankedTown]
    lagging: list[LaggingUnit]
    trend: Trend
    pending: Pending
    glance: list[GlanceGroup] = field(default_factory=list)
    own_towns: frozenset[int] | None = None  # the towns of a scoped user's ranking (None: every unit)


def amount_lines(lines: Iterable[ProgressLine]) -> list[ProgressLine]:
    return [line for line in lines if line.target.kind == TargetKind.AMOUNT]


def headline_lines(report: ProgressReport) -> tuple[str, list[int]]:
    """The lines the headline figure and the monthly trend follow (positions in ``report.lines``): the
    amount targets (the towns' 万元 targets) when the report has any, else the lines of the first target
    measured against known bases (a union's gift-total ratio …), converted to amounts."""
    amounts = [i for i, line in enumerate(report.lines) if line.target.kind == TargetKind.AMOUNT]
    if amounts:
        return "金额目标", amounts
    for line in report.lines:
        if line.result.required_fen is not None:
            target = line.target
            picked = [
                i
                for i, other in enumerate(report.lines)
                if other.target.pk == target.pk and other.result.required_fen is not None
            ]
            return f"事项{line.item_code}目标（{target.display_value}，按基数折算金额）", picked
    return "", []


def town_rows(pairs: Iterable[LinePair]) -> list[RankedTown]:
    """The town ranking (:func:`progress.ranking.town_ranking`) of the official figures."""
    by_line = {id(pair.line): pair for pair in pairs}
    return [RankedTown(by_line[id(line)]) for line in town_ranking(pair.line for pair in by_line.values())]


def lagging_units(lines: Iterable[ProgressLine]) -> list[LaggingUnit]:
    """Units with lines behind the time progress, the severely lagging and slowest first."""
    units: dict[int, LaggingUnit] = {}
    for line in lines:
        if line.result.status not in BEHIND:
            continue
        for org in line.orgs:
            units.setdefault(org.pk, LaggingUnit(org)).lines.append(line)
    keyed = [(not unit.severe, unit.worst_rate, unit.org.name, unit) for unit in units.values()]
    keyed.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in keyed]


@dataclass(frozen=True)
class LaggingGroup:
    key: str
    label: str
    units: list[LaggingUnit]  # the first ``shown`` of them (all when no limit was asked)
    total: int  # how many units of this kind lag

    @property
    def more(self) -> int:
        """Lagging units of this kind not in :attr:`units`."""
        return self.total - len(self.units)


def lagging_groups(units: Iterable[LaggingUnit], *, shown: int | None = None) -> list[LaggingGroup]:
    """Lagging units by kind of unit (towns, departments, canteens, unions …), in each the order of
    :func:`lagging_units`; of each kind the first ``shown`` (None: all) — a city has thousands of units,
    and a page listing every lagging one takes seconds to render."""
    by_key: dict[str, list[LaggingUnit]] = {key: [] for key, _label, _kinds in UNIT_GROUPS}
    for unit in units:
        by_key[unit.group].append(unit)
    return [
        LaggingGroup(key, str(label), by_key[key][:shown], len(by_key[key]))
        for key, label, _kinds in UNIT_GROUPS
        if by_key[key]
    ]


def task_rows(official: OfficialProgress) -> list[TaskRollup]:
    tasks: dict[Hashable, Task] = {}
    by_task: dict[Hashable, list[ProgressLine]] = {}
    for line in official.approved.lines:
        tasks.setdefault(line.task.pk, line.task)
        by_task.setdefault(line.task.pk, []).append(line)
    return [
        TaskRollup(
            task=task,
            rollup=official.approved.by_task[pk],
            with_submitted=official.with_submitted.by_task[pk],
            amounts=AmountTotals.of(by_task[pk]),
            units=len({org.pk for line in by_task[pk] for org in line.orgs}),
        )
        for pk, task in sorted(tasks.items(), key=lambda pair: pair[1].seq)
    ]


def overview_build(
    official: OfficialProgress,
    *,
    trend: Trend,
    headline: tuple[str, list[int]],
    ranking: OfficialProgress | None = None,
    own: frozenset[int] | None = None,
) -> Overview:
    """``ranking``: the whole plan's figures, for the town ranking of a user who sees only some units
    (where their towns stand among the others); ``own``: those users' units."""
    approved, submitted = official.approved, official.with_submitted
    pairs = [LinePair(a, b) for a, b in official.pairs()]
    town_pairs = pairs if ranking is None else [LinePair(a, b) for a, b in ranking.pairs()]
    caption, picked = headline
    chosen = [pairs[i] for i in picked]
    return Overview(
        as_of=approved.as_of,
        time_progress=year_progress(approved.plan.year, approved.as_of),
        lines=len(approved.lines),
        headline=caption,
        amount=AmountTotals.of(pair.line for pair in chosen),
        amount_with_submitted=AmountTotals.of(pair.with_submitted for pair in chosen),
        statuses=StatusShare.of(approved.lines),
        statuses_with_submitted=StatusShare.of(submitted.lines),
        tasks=task_rows(official),
        towns=town_rows(town_pairs),
        lagging=lagging_units(approved.lines),
        trend=trend,
        pending=Pending(
            records=sum(pair.pending_records for pair in chosen),
            amount_fen=sum(pair.pending_fen for pair in chosen),
            lines=sum(1 for pair in pairs if pair.pending_records),
        ),
        glance=glance_groups(approved.lines),
        own_towns=None if ranking is None else own,
    )


# --- a unit's page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubUnitRow:
    """A unit directly under the page's unit: its share of the unit's amount and its own lines."""

    org: Organisation
    contributed_fen: int
    lines: StatusShare
    mean_rate: Decimal | None


@dataclass
class UnitProgress:
    unit: Organisation
    as_of: dt.date
    time_progress: Decimal
    pairs: list[LinePair]  # the unit's own lines
    trend: Trend
    sub_units: list[SubUnitRow]
    sub_lines: int  # lines of units under it

    @property
    def statuses(self) -> StatusShare:
        return StatusShare.of(pair.line for pair in self.pairs)

    @property
    def pending_records(self) -> int:
        return sum(pair.pending_records for pair in self.pairs)


def measured_mean(lines: Sequence[ProgressLine]) -> Decimal | None:
    rates = [min(line.result.rate, Decimal(1)) for line in lines if line.result.rate is not None]
    return sum(rates, Decimal(0)) / len(rates) if rates else None


def unit_progress_build(
    unit: Organisation,
    official: OfficialProgress,
    *,
    trend: Trend,
    children: dict[int | None, list[int]],
    visible: Iterable[int] | None = None,
) -> UnitProgress:
    """The unit's own lines and the roll-up of the units directly under it (those the user may see)."""
    from .calculation import subtree

    pairs = [LinePair(a, b) for a, b in official.pairs()]
    own = [pair for pair in pairs if unit.pk in pair.line.result.spec.org_ids]
    others = [pair for pair in pairs if unit.pk not in pair.line.result.spec.org_ids]
    allowed = set(visible) if visible is not None else None
    orgs = official.approved.orgs
    rows = []
    for child_id in children.get(unit.pk, []):
        if allowed is not None and child_id not in allowed:
            continue
        members = subtree(child_id, children)
        lines = [pair.line for pair in others if set(pair.line.result.spec.org_ids) <= members]
        contributed = sum(trend.by_purchaser_fen.get(pk, 0) for pk in members)
        if not lines and not contributed:
            continue
        child = orgs.get(child_id)
        if child is None:
            continue
        rows.append(SubUnitRow(child, contributed, StatusShare.of(lines), measured_mean(lines)))
    rows.sort(key=lambda row: (-row.contributed_fen, row.org.name))
    return UnitProgress(
        unit=unit,
        as_of=official.approved.as_of,
        time_progress=year_progress(official.approved.plan.year, official.approved.as_of),
        pairs=own,
        trend=trend,
        sub_units=rows,
        sub_lines=len(others),
    )


def status_counts(statuses: dict[str, int]) -> list[tuple[str, str, int]]:
    """(code, label, count) of each status present, in the order of :class:`Status`."""
    from .choices import Status

    return [(code, str(label), statuses[code]) for code, label in Status.choices if statuses.get(code)]
