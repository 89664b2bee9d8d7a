"""Reads for progress: each (target, unit) line's achievement as of a date, roll-ups, drill-down and
the reconciliation of self-reported 832 purchases with the platform's export.

Flow: load the plan's targets and rules → expand them into lines (groups to members, "其他…" groups
without the units the item names) → one grouped SUM per distinct eligibility filter (purchases by
purchaser) → the pure engine (`progress.calculation`) → presentational lines and roll-ups.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple

from django.db.models import (
    Count,
    DateField,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)

from bangfu.common.money import FEN_PER_WAN
from bangfu.ledger.choices import BatchKind, Channel, RecordStatus
from bangfu.ledger.models import ImportBatch, Purchase, PurchaseSighting
from bangfu.ledger.selectors import Listing, Unindexed, for_list, purchase_listing
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import group_members, org_children_map
from bangfu.plans.choices import BaseKind, Role, TargetKind, TargetScope
from bangfu.plans.models import Item, Plan, RoleAssignment, Target, Task
from bangfu.regions.selectors import paired_region_ids, region_832_ids

from .calculation import LineResult, LineSpec, Thresholds, compute_lines, elapsed_share, purchaser_set, rollup
from .calculation.engine import EXEMPT, REPRESENTED, Rollup
from .calculation.timeline import scheduled_share
from .choices import MeasureSource, OriginFilter, PurchaserScope
from .models import BaseValue, ProgressSettings, TargetRule

TOWN_LEVEL = {OrgKind.TOWN, OrgKind.STREET, OrgKind.COMMITTEE}


class SumsKey(NamedTuple):
    """One eligibility filter: the purchases it admits are summed per purchaser once, for every line."""

    origin: str
    region_id: int | None
    channel: str
    category: str
    start: dt.date
    last: dt.date


@dataclass(frozen=True)
class ProgressLine:
    """A computed line with what a person needs to read it."""

    result: LineResult
    target: Target
    item: Item
    task: Task
    orgs: tuple[Organisation, ...]
    rule: TargetRule

    @property
    def org_label(self) -> str:
        return "、".join(org.name for org in self.orgs)

    @property
    def item_code(self) -> str:
        return f"{self.task.seq}.{self.item.seq}"

    def to_dict(self) -> dict[str, Any]:
        r = self.result

        def number(value: Decimal | None, places: int = 4) -> float | None:
            # JSON numbers at the edge only; figures stay Decimal inside.
            return None if value is None else float(round(value, places))

        return {
            "task": f"{self.task.seq} {self.task.name}",
            "item": self.item_code,
            "org": self.org_label,
            "kind": self.target.kind,
            "target": number(self.target.value, 4),
            "achieved": number(r.achieved, 4),
            "rate": number(r.rate, 4),
            "expected_rate": number(r.expected, 4),
            "status": r.status,
            "status_label": _status_label(r.status),
            "unit": self.target.unit,
            "target_id": self.target.pk,
            "org_ids": list(r.spec.org_ids),
            "achieved_yuan": float(Decimal(r.achieved_fen) / 100),
            "required_yuan": None if r.required_fen is None else float(Decimal(r.required_fen) / 100),
            "base": number(r.spec.base, 2),
            "records": r.records,
            "forecast_rate": number(r.forecast_rate, 4),
            "rank": r.rank,
            "rank_of": r.rank_of,
        }


def _status_label(status: str) -> str:
    from .choices import Status

    return str(Status(status).label)


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


# --- eligibility filters ----------------------------------------------------------------------


def _statuses(plan: Plan, approved_only: bool | None = None) -> list[str]:
    """Record statuses that count: approved ones, and submitted ones unless the plan's settings (or the
    caller, e.g. the official dashboard) ask for approved records only."""
    if approved_only is None:
        settings = ProgressSettings.objects.filter(plan=plan).first()
        approved_only = settings is not None and not settings.count_submitted
    return [RecordStatus.APPROVED] if approved_only else [RecordStatus.SUBMITTED, RecordStatus.APPROVED]


def _period(rule: TargetRule, year: int, as_of: dt.date) -> tuple[dt.date, dt.date, dt.date]:
    """(start, end, last counted day) of the rule's period."""
    start = rule.period_start or dt.date(year, 1, 1)
    end = rule.period_end or dt.date(year, 12, 31)
    return start, end, min(end, as_of)


def _sums_key(rule: TargetRule, year: int, as_of: dt.date) -> SumsKey:
    start, _end, last = _period(rule, year, as_of)
    return SumsKey(rule.origin, rule.origin_region_id, rule.channel, rule.category, start, last)


def _eligible(key: SumsKey, year: int, statuses: list[str], *, dates: bool = True) -> Q:
    condition = Q(status__in=statuses)
    if dates:
        condition &= Q(date__gte=key.start, date__lte=key.last)
    if key.origin == OriginFilter.PAIRED:
        condition &= Q(origin_region_id__in=sorted(paired_region_ids(year)))
    elif key.origin == OriginFilter.ANY_832:
        condition &= Q(origin_region_id__in=sorted(region_832_ids()))
    elif key.origin == OriginFilter.COUNTY:
        condition &= Q(origin_region_id=key.region_id)
    if key.channel:
        condition &= Q(channel=key.channel)
    if key.category:
        condition &= Q(category=key.category)
    return condition


def _summable(key: SumsKey, year: int, statuses: list[str]) -> QuerySet[Purchase]:
    """The purchases a filter admits, written for the grouped sums' index: the date ``Unindexed`` so
    that SQLite walks the covering (purchaser, status, date, …) index rather than the date index plus a
    temporary sort — without statistics it prefers the latter and is ten times slower on a million rows."""
    return Purchase.objects.alias(scan_date=Unindexed("date", output_field=DateField())).filter(
        _eligible(key, year, statuses, dates=False),
        scan_date__gte=key.start,
        scan_date__lte=key.last,
        purchaser_id__isnull=False,
    )


def _grouped_sums(
    keys: Iterable[SumsKey], year: int, statuses: list[str], purchasers: set[int] | None
) -> tuple[dict[SumsKey, dict[int, int]], dict[SumsKey, dict[int, int]]]:
    """The sums of every eligibility filter per purchaser: {key: {purchaser id: fen}}, and the record
    counts. Filters that share a period are computed in one pass over the covering index, each as a
    filtered aggregate (``SUM(…) FILTER (WHERE …)``) — one scan of a million rows instead of one per
    filter."""
    sums: dict[SumsKey, dict[int, int]] = {}
    counts: dict[SumsKey, dict[int, int]] = {}
    by_period: dict[tuple[dt.date, dt.date], list[SumsKey]] = defaultdict(list)
    for key in set(keys):
        by_period[(key.start, key.last)].append(key)
    for (start, last), group in by_period.items():
        conditions = [_eligible(key, year, statuses, dates=False) for key in group]
        aggregates: dict[str, Any] = {}
        either = Q()
        for index, (key, condition) in enumerate(zip(group, conditions, strict=True)):
            aggregates[f"fen_{index}"] = Sum("amount_fen", filter=condition)
            aggregates[f"n_{index}"] = Count("id", filter=condition)
            sums[key], counts[key] = {}, {}
            either |= condition
        qs = Purchase.objects.alias(scan_date=Unindexed("date", output_field=DateField())).filter(
            either, scan_date__gte=start, scan_date__lte=last, purchaser_id__isnull=False
        )
        if purchasers is not None:
            qs = qs.filter(purchaser_id__in=sorted(purchasers))
        for row in qs.order_by().values_list("purchaser_id").annotate(**aggregates):
            pid = row[0]
            for index, key in enumerate(group):
                fen, n = row[1 + 2 * index], row[2 + 2 * index]
                if n:
                    sums[key][pid] = int(fen)
                    counts[key][pid] = n
    return sums, counts


def _grouped_sums_by_status(
    keys: Iterable[SumsKey], year: int, statuses: list[str], purchasers: set[int] | None
) -> dict[str, tuple[dict[SumsKey, dict[int, int]], dict[SumsKey, dict[int, int]]]]:
    """Like :func:`_grouped_sums`, one grouped query per filter, but split by record status:
    {status: ({key: {purchaser: fen}}, {key: {purchaser: records}})}. The split is a filtered aggregate
    per status (``SUM(…) FILTER (WHERE status = …)``), so the query still groups by purchaser alone and
    streams along a (purchaser, date …) index instead of sorting by (purchaser, status)."""
    found: dict[str, tuple[dict[SumsKey, dict[int, int]], dict[SumsKey, dict[int, int]]]] = {
        status: ({}, {}) for status in statuses
    }
    aggregates: dict[str, Any] = {}
    for index, status in enumerate(statuses):
        aggregates[f"fen_{index}"] = Sum("amount_fen", filter=Q(status=status))
        aggregates[f"n_{index}"] = Count("id", filter=Q(status=status))
    for key in set(keys):
        for status in statuses:
            found[status][0][key] = {}
            found[status][1][key] = {}
        qs = _summable(key, year, statuses)
        if purchasers is not None:
            qs = qs.filter(purchaser_id__in=sorted(purchasers))
        for row in qs.order_by().values_list("purchaser_id").annotate(**aggregates):
            pid = row[0]
            for index, status in enumerate(statuses):
                fen, n = row[1 + 2 * index], row[2 + 2 * index]
                if n:
                    found[status][0][key][pid] = int(fen)
                    found[status][1][key][pid] = n
    return found


# --- lines ------------------------------------------------------------------------------------


def _named_in_item(item: Item) -> set[int]:
    return {a.organisation_id for a in item.roles.all() if a.organisation_id}


_UNIT_FIELDS = ("id", "name", "short_name", "kind", "parent_id", "active")


def _subjects(
    target: Target,
    item: Item,
    within: set[int] | None = None,
    units: dict[int, Organisation] | None = None,
) -> list[Organisation]:
    """The units a target applies to: its units in the order the table names them, then the members of
    its groups. ``within`` keeps only those units (a per-unit page needs no other lines of an "each"
    target — a group of thousands of units is then not loaded at all). ``units``: every unit, already
    loaded — group members are then read as ids and taken from it."""
    written = {name: index for index, name in enumerate(target.subjects_as_written)}
    explicit = sorted(target.orgs.all(), key=lambda o: (written.get(o.name, len(written)), o.name))
    subjects: dict[int, Organisation] = {org.pk: org for org in explicit}
    named = _named_in_item(item) | set(subjects)
    narrow = within is not None and target.scope != TargetScope.TOTAL
    for group in target.groups.all():
        members = group_members(group, exclude_ids=named).only(*_UNIT_FIELDS)
        if narrow:
            members = members.filter(pk__in=sorted(within or ()))
        if units is not None:
            for pk in members.values_list("pk", flat=True):
                if pk in units:
                    subjects.setdefault(pk, units[pk])
            continue
        for org in members:
            subjects.setdefault(org.pk, org)
    if narrow:
        return [org for org in subjects.values() if org.pk in (within or ())]
    return list(subjects.values())


@dataclass(frozen=True, slots=True)
class _Base:
    """The fields of a unit's base value the computation reads (thousands are read per computation:
    plain records, not model instances)."""

    holiday_gift_fen: int | None
    member_count: int | None
    food_budget_fen: int | None
    no_canteen: bool
    canteen_representative_id: int | None


def _base(target: Target, orgs: Iterable[Organisation], bases: dict[int, _Base]) -> Decimal | None:
    """The base of a ratio (元) or per-capita quota (head count), summed over the line's units."""
    total: Decimal | None = None
    for org in orgs:
        base = bases.get(org.pk)
        if base is None:
            return None
        if target.kind == TargetKind.PER_CAPITA or target.base_kind == BaseKind.MEMBER_COUNT:
            value = Decimal(base.member_count) if base.member_count else None
        elif target.base_kind == BaseKind.HOLIDAY_GIFT_TOTAL:
            value = Decimal(base.holiday_gift_fen) / 100 if base.holiday_gift_fen is not None else None
        else:
            value = Decimal(base.food_budget_fen) / 100 if base.food_budget_fen is not None else None
        if value is None:
            return None
        total = value if total is None else total + value
    return total


def _override(target: Target, orgs: tuple[Organisation, ...], bases: dict[int, _Base]) -> str | None:
    if target.kind != TargetKind.RATIO or target.base_kind != BaseKind.PROCUREMENT_BUDGET:
        return None
    flags = [bases.get(org.pk) for org in orgs]
    if flags and all(b is not None and b.no_canteen for b in flags):
        return EXEMPT
    if flags and all(b is not None and b.canteen_representative_id for b in flags):
        return REPRESENTED
    return None


def _expected(rule: TargetRule, year: int, as_of: dt.date) -> Decimal:
    if rule.schedule is not None:
        return scheduled_share(as_of, year, rule.schedule.cumulative)
    start, end, _last = _period(rule, year, as_of)
    return elapsed_share(as_of, start, end)


def _targets(plan: Plan, target_ids: Iterable[int] | None = None) -> QuerySet[Target]:
    qs = (
        Target.objects.filter(item__task__plan=plan)
        .select_related("item__task", "rule__schedule", "rule__origin_region")
        .prefetch_related("orgs", "groups", "item__roles")
        .order_by("item__task__seq", "item__seq", "position")
    )
    return qs.filter(pk__in=list(target_ids)) if target_ids is not None else qs


def _activities_by_item(plan: Plan, as_of: dt.date) -> dict[int, list[tuple[int, str, dict[str, Any]]]]:
    """Activity records of the plan's items up to ``as_of`` (count targets are measured from them)."""
    from bangfu.activities.selectors import item_counts

    item_ids = Item.objects.filter(task__plan=plan, targets__kind=TargetKind.COUNT).values_list(
        "pk", flat=True
    )
    return item_counts(set(item_ids), as_of=as_of)


def _activity_count(
    activities: dict[int, list[tuple[int, str, dict[str, Any]]]],
    target: Target,
    orgs: tuple[Organisation, ...],
    children: dict[int | None, list[int]],
    counts_for: dict[int, list[int]],
) -> Decimal:
    """What the line's units (and the units under them) recorded under the target's item, in its unit
    (场, 人次, 个, 篇 …)."""
    from bangfu.activities.kinds import KINDS

    units = purchaser_set([o.pk for o in orgs], whole_subtree=True, children=children, counts_for=counts_for)
    return sum(
        (
            KINDS[kind].measure(target.unit, details)
            for org_id, kind, details in activities.get(target.item_id, [])
            if org_id in units
        ),
        Decimal(0),
    )


@dataclass
class _Prepared:
    """A plan's lines before any purchase is summed: what ``progress_compute`` builds once."""

    plan: Plan
    as_of: dt.date
    specs: list[LineSpec]
    meta: list[tuple[Target, TargetRule, tuple[Organisation, ...]]]
    children: dict[int | None, list[int]]
    thresholds: Thresholds
    keys: set[SumsKey]
    restrict: set[int] | None
    units: dict[int, Organisation] | None = None  # every unit, when the whole plan was prepared


def _prepare(
    plan: Plan,
    as_of: dt.date,
    org_ids: Iterable[int] | None,
    target_ids: Iterable[int] | None,
) -> _Prepared:
    from .services import default_rule

    year = plan.year
    settings = ProgressSettings.objects.filter(plan=plan).first()
    thresholds = (
        Thresholds(settings.lagging_below, settings.severe_below) if settings is not None else Thresholds()
    )
    children = org_children_map()
    wanted = set(org_ids) if org_ids is not None else None
    # Whose purchases count for whom (an outsourced canteen, a shared canteen): always the full map.
    counts_for: dict[int, list[int]] = defaultdict(list)
    links = BaseValue.objects.filter(year=year).filter(
        Q(counts_for__isnull=False) | Q(canteen_representative__isnull=False)
    )
    for unit_id, for_id, representative_id in links.values_list(
        "organisation_id", "counts_for_id", "canteen_representative_id"
    ):
        if for_id:
            counts_for[for_id].append(unit_id)
        if representative_id:
            counts_for[representative_id].append(unit_id)

    # The whole plan names every unit: load them once, for the lines and the roll-ups.
    units = _org_index() if wanted is None else None
    planned: list[tuple[Target, TargetRule, tuple[Organisation, ...]]] = []
    for target in _targets(plan, target_ids):
        rule = getattr(target, "rule", None) or TargetRule(target=target, **default_rule(target))
        subjects = _subjects(target, target.item, wanted, units)
        if target.scope == TargetScope.TOTAL and subjects:
            groups: list[tuple[Organisation, ...]] = [tuple(subjects)]
        else:
            groups = [(org,) for org in subjects]
        planned.extend(
            (target, rule, orgs) for orgs in groups if wanted is None or wanted & {o.pk for o in orgs}
        )
    # Base values of the lines' units only (a page of one town does not load every union's).
    bases_qs = BaseValue.objects.filter(year=year)
    if wanted is not None:
        bases_qs = bases_qs.filter(
            organisation_id__in=sorted({o.pk for _t, _r, orgs in planned for o in orgs})
        )
    bases = {
        row[0]: _Base(*row[1:])
        for row in bases_qs.values_list(
            "organisation_id", "holiday_gift_fen", "member_count", "food_budget_fen", "no_canteen",
            "canteen_representative_id",
        )
    }  # fmt: skip

    @cache
    def purchasers_of(roots: tuple[int, ...], whole_subtree: bool) -> frozenset[int]:
        # A union has a gift ratio and a per-capita quota: the same purchasers, computed once.
        return purchaser_set(roots, whole_subtree=whole_subtree, children=children, counts_for=counts_for)

    specs: list[LineSpec] = []
    meta: list[tuple[Target, TargetRule, tuple[Organisation, ...]]] = []
    activities = _activities_by_item(plan, as_of)
    rule_figures: dict[int, tuple[SumsKey, Decimal]] = {}
    for target, rule, orgs in planned:
        if target.pk not in rule_figures:
            rule_figures[target.pk] = (_sums_key(rule, year, as_of), _expected(rule, year, as_of))
        sums_key, expected = rule_figures[target.pk]
        measured_by_purchases = rule.source == MeasureSource.PURCHASES
        specs.append(
            LineSpec(
                target_id=target.pk,
                kind=target.kind,
                value=target.value,
                org_ids=tuple(o.pk for o in orgs),
                purchasers=purchasers_of(
                    tuple(o.pk for o in orgs), rule.purchaser_scope == PurchaserScope.SUBTREE
                )
                if measured_by_purchases
                else frozenset(),
                sums_key=sums_key if measured_by_purchases else None,
                base=_base(target, orgs, bases),
                expected=expected,
                override=_override(target, orgs, bases),
                count=None
                if measured_by_purchases or target.kind != TargetKind.COUNT
                else _activity_count(activities, target, orgs, children, counts_for),
            )
        )
        meta.append((target, rule, orgs))

    keys: set[SumsKey] = {spec.sums_key for spec in specs if spec.sums_key is not None}
    restrict = set().union(*(spec.purchasers for spec in specs)) if wanted is not None else None
    return _Prepared(plan, as_of, specs, meta, children, thresholds, keys, restrict, units)


def _report(
    prepared: _Prepared,
    sums: dict[SumsKey, dict[int, int]],
    counts: dict[SumsKey, dict[int, int]],
    orgs: dict[int, Organisation] | None = None,
) -> ProgressReport:
    results = compute_lines(prepared.specs, sums, counts, prepared.thresholds)
    lines = [
        ProgressLine(result, target, target.item, target.item.task, line_orgs, rule)
        for result, (target, rule, line_orgs) in zip(results, prepared.meta, strict=True)
    ]
    report = ProgressReport(plan=prepared.plan, as_of=prepared.as_of, lines=lines)
    _add_rollups(report, prepared.children, orgs if orgs is not None else _org_index(prepared))
    return report


def progress_compute(
    plan: Plan,
    *,
    as_of: dt.date,
    org_ids: Iterable[int] | None = None,
    target_ids: Iterable[int] | None = None,
    approved_only: bool | None = None,
) -> ProgressReport:
    """Every line of the plan as of ``as_of`` (or only the lines of ``org_ids`` / ``target_ids``).

    Rules must exist (``services.progress_rules_ensure``); a target without one is computed with the
    default rule but not saved.
    """
    prepared = _prepare(plan, as_of, org_ids, target_ids)
    sums, counts = _grouped_sums(prepared.keys, plan.year, _statuses(plan, approved_only), prepared.restrict)
    return _report(prepared, sums, counts)


@dataclass
class OfficialProgress:
    """The official figures (approved records only) and, line for line, the figures that would hold if
    every record awaiting review (submitted) were approved. ``approved.lines[i]`` and
    ``with_submitted.lines[i]`` are the same (target, unit) line."""

    approved: ProgressReport
    with_submitted: ProgressReport

    def pairs(self) -> Iterator[tuple[ProgressLine, ProgressLine]]:
        return zip(self.approved.lines, self.with_submitted.lines, strict=True)


def progress_compute_official(
    plan: Plan,
    *,
    as_of: dt.date,
    org_ids: Iterable[int] | None = None,
    target_ids: Iterable[int] | None = None,
) -> OfficialProgress:
    """Approved-only and approved-plus-submitted figures from one grouped scan (by purchaser and status)
    instead of two full computations."""
    prepared = _prepare(plan, as_of, org_ids, target_ids)
    by_status = _grouped_sums_by_status(
        prepared.keys, plan.year, [RecordStatus.SUBMITTED, RecordStatus.APPROVED], prepared.restrict
    )
    approved_sums, approved_counts = by_status[RecordStatus.APPROVED]
    submitted_sums, submitted_counts = by_status[RecordStatus.SUBMITTED]
    orgs = _org_index(prepared)
    return OfficialProgress(
        approved=_report(prepared, approved_sums, approved_counts, orgs),
        with_submitted=_report(
            prepared,
            _merged(approved_sums, submitted_sums),
            _merged(approved_counts, submitted_counts),
            orgs,
        ),
    )


def _merged(
    a: dict[SumsKey, dict[int, int]], b: dict[SumsKey, dict[int, int]]
) -> dict[SumsKey, dict[int, int]]:
    merged: dict[SumsKey, dict[int, int]] = {}
    for key in set(a) | set(b):
        table = dict(a.get(key, {}))
        for purchaser, value in b.get(key, {}).items():
            table[purchaser] = table.get(purchaser, 0) + value
        merged[key] = table
    return merged


def _org_index(prepared: _Prepared | None = None) -> dict[int, Organisation]:
    """The units a report's roll-ups and pages need: every unit for the whole plan; for a per-unit
    report only the units of its lines, their jurisdictions and their ancestors (a page of one town
    need not load five thousand units)."""
    if prepared is not None and prepared.units is not None:
        return prepared.units
    qs = Organisation.objects.only(*_UNIT_FIELDS)
    if prepared is None or prepared.restrict is None:
        return {o.pk: o for o in qs}
    parents = {child: parent for parent, kids in prepared.children.items() for child in kids}
    ids: set[int] = set(prepared.restrict)
    for spec in prepared.specs:
        ids.update(spec.org_ids)
    for pk in list(ids):
        node = parents.get(pk)
        while node is not None and node not in ids:
            ids.add(node)
            node = parents.get(node)
    return {o.pk: o for o in qs.filter(pk__in=sorted(ids))}


def _add_rollups(
    report: ProgressReport, children: dict[int | None, list[int]], orgs: dict[int, Organisation] | None = None
) -> None:
    by_line = {id(line.result): line for line in report.lines}
    results = [line.result for line in report.lines]
    parents = {child: parent for parent, kids in children.items() for child in kids}
    orgs = orgs if orgs is not None else _org_index()
    report.orgs = orgs

    def towns(result: LineResult) -> set[int]:
        found = set()
        for org_id in result.spec.org_ids:
            node: int | None = org_id
            while node is not None:
                org = orgs.get(node)
                if org is not None and org.kind in TOWN_LEVEL:
                    found.add(node)
                    break
                node = parents.get(node)
        return found

    leads = {
        item_id: {a.organisation_id for a in roles if a.role == Role.LEAD and a.organisation_id}
        for item_id, roles in _roles_by_item(report).items()
    }
    report.by_task = rollup(results, lambda r: [by_line[id(r)].task.pk])
    report.by_item = rollup(results, lambda r: [by_line[id(r)].item.pk])
    report.by_lead = rollup(results, lambda r: leads.get(by_line[id(r)].item.pk, set()))
    report.by_town = rollup(results, towns)


def _roles_by_item(report: ProgressReport) -> dict[int, list[RoleAssignment]]:
    items = {line.item.pk: line.item for line in report.lines}
    return {item_id: list(item.roles.all()) for item_id, item in items.items()}


# --- drill-down -------------------------------------------------------------------------------


def progress_line_records(
    line: ProgressLine, *, as_of: dt.date, approved_only: bool | None = None
) -> QuerySet[Purchase]:
    """The purchases behind a line's figure, so that any number can be proven."""
    spec = line.result.spec
    if spec.sums_key is None:
        return Purchase.objects.none()
    return (
        Purchase.objects.filter(
            _eligible(spec.sums_key, line.task.plan.year, _statuses(line.task.plan, approved_only)),
            purchaser_id__in=sorted(spec.purchasers),
        )
        .select_related("purchaser", "origin_region", "batch")
        .order_by("date", "id")
    )


#: Records shown per page behind a figure.
LINE_RECORDS_PAGE = 100


def _with_provenance(qs: QuerySet[Purchase]) -> QuerySet[Purchase]:
    """The columns the records page shows: the list's, and where each record came from (file, sheet,
    row). The batch's name is fetched for the page's rows, not its stored headers."""
    return for_list(qs, also=("sheet",)).prefetch_related(
        Prefetch("batch", queryset=ImportBatch.objects.only("id", "file_name"))
    )


def progress_line_record_page(
    line: ProgressLine,
    *,
    as_of: dt.date,
    approved_only: bool | None = None,
    after: str = "",
    before: str = "",
    size: int | None = None,
) -> Listing:
    """A page of the records behind a line, oldest first, continued by cursor (``after``/``before``) as
    the ledger list is: the same cost on the last page of 900,000 records as on the first, and a cursor
    that is not one of ours shows the first page."""
    records = progress_line_records(line, as_of=as_of, approved_only=approved_only)
    return purchase_listing(
        records,
        sort="date",
        after=after,
        before=before,
        size=size or LINE_RECORDS_PAGE,
        shape=_with_provenance,
    )


# --- reconciliation ---------------------------------------------------------------------------


@dataclass
class ReconciliationRow:
    org: Organisation | None
    matched: int = 0
    matched_fen: int = 0
    reported_only: int = 0
    reported_only_fen: int = 0
    platform_only: int = 0
    platform_only_fen: int = 0
    reported_only_ids: list[int] = field(default_factory=list)
    platform_only_ids: list[int] = field(default_factory=list)


def reconciliation(*, year: int, as_of: dt.date | None = None) -> list[ReconciliationRow]:
    """Units' self-reported 832-platform purchases against the platform's own export, per purchaser:
    matched (in both), reported but not on the platform, on the platform but not reported."""
    last = as_of or dt.date(year, 12, 31)
    platform_batch = Q(batch__kind=BatchKind.PLATFORM_832)
    seen_on_platform = Exists(
        PurchaseSighting.objects.filter(purchase=OuterRef("pk"), batch__kind=BatchKind.PLATFORM_832)
    )
    seen_in_ledger = Exists(
        PurchaseSighting.objects.filter(purchase=OuterRef("pk"), batch__kind=BatchKind.LEDGER)
    )
    rows = (
        Purchase.objects.filter(date__gte=dt.date(year, 1, 1), date__lte=last)
        .annotate(on_platform=seen_on_platform, in_ledger=seen_in_ledger)
        .filter(Q(channel=Channel.PLATFORM_832) | platform_batch | Q(on_platform=True))
        .values_list("pk", "purchaser_id", "amount_fen", "batch__kind", "on_platform", "in_ledger")
        .order_by()
    )
    table: dict[int | None, ReconciliationRow] = {}
    for pk, purchaser_id, fen, batch_kind, on_platform, in_ledger in rows:
        platform = on_platform or batch_kind == BatchKind.PLATFORM_832
        reported = in_ledger or batch_kind != BatchKind.PLATFORM_832
        row = table.setdefault(purchaser_id, ReconciliationRow(org=None))
        if platform and reported:
            row.matched += 1
            row.matched_fen += fen
        elif reported:
            row.reported_only += 1
            row.reported_only_fen += fen
            row.reported_only_ids.append(pk)
        else:
            row.platform_only += 1
            row.platform_only_fen += fen
            row.platform_only_ids.append(pk)
    units = Organisation.objects.in_bulk([pk for pk in table if pk is not None])
    for unit_id, row in table.items():
        row.org = units.get(unit_id) if unit_id is not None else None
    return sorted(
        table.values(), key=lambda r: (-(r.reported_only + r.platform_only), r.org.name if r.org else "")
    )


def plan_for_progress(year: int | None) -> Plan | None:
    qs = Plan.objects.order_by("-year")
    return qs.filter(year=year).first() if year else qs.first()


# --- monthly trend ----------------------------------------------------------------------------


class Month(Func):
    """The calendar month (1–12) of a date column. SQLite stores dates as ISO text; reading the month
    from the text avoids Django's per-row Python date function there."""

    template = "CAST(EXTRACT(MONTH FROM %(expressions)s) AS integer)"
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(substr(%(expressions)s, 6, 2) AS integer)", **extra_context
        )


MonthTable = dict[SumsKey, dict[int, dict[str, list[int]]]]


def _monthly_table(lines: Sequence[ProgressLine], year: int, statuses: list[str]) -> MonthTable:
    """{filter: {purchaser: {status: [fen in January … December]}}} for the purchasers of ``lines``:
    one grouped query per distinct eligibility filter (the lines' own filters, so up to their as-of date)."""
    purchasers: dict[SumsKey, set[int]] = defaultdict(set)
    for line in lines:
        if line.result.spec.sums_key is not None:
            purchasers[line.result.spec.sums_key] |= line.result.spec.purchasers
    table: MonthTable = {}
    for key, ids in purchasers.items():
        cells: dict[int, dict[str, list[int]]] = {}
        rows = (
            Purchase.objects.filter(_eligible(key, year, statuses), purchaser_id__in=sorted(ids))
            .order_by()
            .annotate(month=Month("date"))
            .values_list("purchaser_id", "status", "month")
            .annotate(total=Sum("amount_fen"))
        )
        for purchaser_id, status, month, total in rows:
            months = cells.setdefault(purchaser_id, {}).setdefault(status, [0] * 12)
            months[int(month) - 1] += int(total)
        table[key] = cells
    return table


def _line_months(line: ProgressLine, table: MonthTable, statuses: Iterable[str]) -> list[int]:
    spec = line.result.spec
    cells = table.get(spec.sums_key, {}) if spec.sums_key is not None else {}
    months = [0] * 12
    for purchaser in spec.purchasers:
        by_status = cells.get(purchaser)
        if not by_status:
            continue
        for status in statuses:
            for index, fen in enumerate(by_status.get(status, ())):
                months[index] += fen
    return months


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Trend:
    """A set of lines month by month: eligible purchases per month, their running total (up to the as-of
    month) and what the time progress expects by each month's end (Σ required × time progress)."""

    year: int
    as_of: dt.date
    monthly_fen: tuple[int, ...]
    expected_fen: tuple[int, ...]
    required_fen: int
    lines: int
    pending_monthly_fen: tuple[int, ...] = ()
    by_purchaser_fen: dict[int, int] = field(default_factory=dict, compare=False)

    @property
    def cumulative_fen(self) -> tuple[int | None, ...]:
        last = (
            self.as_of.month if self.as_of.year == self.year else (12 if self.as_of.year > self.year else 0)
        )
        running, values = 0, []
        for index, fen in enumerate(self.monthly_fen):
            running += fen
            values.append(running if index < last else None)
        return tuple(values)

    @property
    def achieved_fen(self) -> int:
        return sum(self.monthly_fen)

    @property
    def rows(self) -> list[tuple[str, int, int | None, int | None, int]]:
        """(month, that month's fen, awaiting review, running total, expected by the month's end)."""
        pending = self.pending_monthly_fen or (None,) * 12
        return [
            (f"{index + 1}月", monthly, waiting, running, expected)
            for index, (monthly, waiting, running, expected) in enumerate(
                zip(self.monthly_fen, pending, self.cumulative_fen, self.expected_fen, strict=True)
            )
        ]

    def chart(self) -> dict[str, Any]:
        """The figures in 万元 for the chart (JSON numbers at the edge only)."""

        def wan(fen: int | None) -> float | None:
            return None if fen is None else float(round(Decimal(fen) / FEN_PER_WAN, 2))

        return {
            "labels": [f"{month}月" for month in range(1, 13)],
            "monthly": [wan(fen) for fen in self.monthly_fen],
            "pending": [wan(fen) for fen in self.pending_monthly_fen] if self.pending_monthly_fen else [],
            "cumulative": [wan(fen) for fen in self.cumulative_fen],
            "expected": [wan(fen) for fen in self.expected_fen],
        }


def _disjoint(lines: Sequence[ProgressLine]) -> bool:
    """Whether no purchaser counts for two of ``lines`` under the same filter (towns' jurisdictions)."""
    seen: dict[SumsKey, set[int]] = defaultdict(set)
    for line in lines:
        spec = line.result.spec
        if spec.sums_key is None:
            continue
        if seen[spec.sums_key] & spec.purchasers:
            return False
        seen[spec.sums_key] |= spec.purchasers
    return True


def _monthly_totals(lines: Sequence[ProgressLine], year: int, statuses: list[str]) -> dict[str, list[int]]:
    """{status: [fen in January … December]} over ``lines`` whose purchasers do not overlap: one small
    query per filter and month (each reads only that month's part of the (purchaser, date …) index)."""
    purchasers: dict[SumsKey, set[int]] = defaultdict(set)
    for line in lines:
        if line.result.spec.sums_key is not None:
            purchasers[line.result.spec.sums_key] |= line.result.spec.purchasers
    totals = {status: [0] * 12 for status in statuses}
    aggregates = {status: Sum("amount_fen", filter=Q(status=status)) for status in statuses}
    for key, ids in purchasers.items():
        if not ids:
            continue
        for month in range(1, 13):
            first = max(key.start, dt.date(year, month, 1))
            last = min(key.last, month_end(year, month))
            if first > last:
                continue
            window = key._replace(start=first, last=last)
            found = Purchase.objects.filter(_eligible(window, year, statuses), purchaser_id__in=sorted(ids))
            for status, fen in found.aggregate(**aggregates).items():
                totals[status][month - 1] += int(fen or 0)
    return totals


def progress_trend(
    lines: Sequence[ProgressLine],
    *,
    plan: Plan,
    as_of: dt.date,
    approved_only: bool = True,
    by_purchaser: bool = False,
) -> Trend:
    """The monthly trend of ``lines`` (those with a required amount: amount targets, and ratio or
    per-capita targets whose base is known). Each line counts its own purchases, as its figure does, so
    the running total at the as-of month equals the sum of the lines' achieved amounts. Records awaiting
    review are kept apart (``pending_monthly_fen``) unless ``approved_only`` is False and the plan's
    settings count them. ``by_purchaser_fen`` (what each purchaser contributed, once per filter) is
    filled when ``by_purchaser`` is asked for or the lines' purchasers overlap."""
    measured = [line for line in lines if line.result.required_fen is not None and line.result.spec.sums_key]
    counted = [RecordStatus.APPROVED] if approved_only else _statuses(plan, None)
    statuses = sorted({*counted, RecordStatus.SUBMITTED})
    monthly, pending, expected = [0] * 12, [0] * 12, [0] * 12
    contributions: dict[int, int] = defaultdict(int)
    if _disjoint(measured) and not by_purchaser:
        totals = _monthly_totals(measured, plan.year, statuses)
        for status, months in totals.items():
            target = monthly if status in counted else pending
            for index, fen in enumerate(months):
                target[index] += fen
    else:
        table = _monthly_table(measured, plan.year, statuses)
        for line in measured:
            for index, fen in enumerate(_line_months(line, table, counted)):
                monthly[index] += fen
            if RecordStatus.SUBMITTED not in counted:
                for index, fen in enumerate(_line_months(line, table, [RecordStatus.SUBMITTED])):
                    pending[index] += fen
        for cells in table.values():
            for purchaser_id, by_status in cells.items():
                contributions[purchaser_id] += sum(sum(by_status.get(status, ())) for status in counted)
    for line in measured:
        required = line.result.required_fen or 0
        for month in range(1, 13):
            share = _expected(line.rule, plan.year, month_end(plan.year, month))
            expected[month - 1] += int((Decimal(required) * share).to_integral_value())
    return Trend(
        by_purchaser_fen=dict(contributions),
        year=plan.year,
        as_of=as_of,
        monthly_fen=tuple(monthly),
        expected_fen=tuple(expected),
        required_fen=sum(line.result.required_fen or 0 for line in measured),
        lines=len(measured),
        pending_monthly_fen=tuple(pending) if any(pending) else (),
    )


# --- who has lines, who leads ----------------------------------------------------------------------


def line_units(plan: Plan) -> dict[int, Organisation]:
    """Every unit with a line in the plan (the units a target applies to, groups expanded)."""
    units: dict[int, Organisation] = {}
    for target in _targets(plan):
        for org in _subjects(target, target.item):
            units.setdefault(org.pk, org)
    return units


def plan_leads(plan: Plan) -> list[Organisation]:
    """The lead units (牵头单位) of the plan's items, by name."""
    ids = RoleAssignment.objects.filter(
        item__task__plan=plan, role=Role.LEAD, organisation__isnull=False
    ).values_list("organisation_id", flat=True)
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def led_item_ids(plan: Plan, lead_id: int) -> set[int]:
    return set(
        RoleAssignment.objects.filter(
            item__task__plan=plan, role=Role.LEAD, organisation_id=lead_id
        ).values_list("item_id", flat=True)
    )


def town_units() -> list[Organisation]:
    """The town-level units (镇、街道、管委会), by name."""
    return list(Organisation.objects.filter(kind__in=TOWN_LEVEL, active=True).order_by("name"))


def bases_missing(plan: Plan, *, unit_ids: Iterable[int] | None = None) -> list[Organisation]:
    """Units whose ratio or per-capita targets lack the base they are measured against (no members or
    gift total for a union; no food budget for a canteen, unless it has none or shares one), by name."""
    wanted = set(unit_ids) if unit_ids is not None else None
    bases = {b.organisation_id: b for b in BaseValue.objects.filter(year=plan.year)}
    missing: dict[int, Organisation] = {}
    for target in _targets(plan):
        if target.kind not in (TargetKind.RATIO, TargetKind.PER_CAPITA):
            continue
        for org in _subjects(target, target.item):
            if wanted is not None and org.pk not in wanted:
                continue
            base = bases.get(org.pk)
            if base is None:
                missing[org.pk] = org
            elif target.kind == TargetKind.PER_CAPITA or target.base_kind == BaseKind.MEMBER_COUNT:
                if not base.member_count:
                    missing[org.pk] = org
            elif target.base_kind == BaseKind.HOLIDAY_GIFT_TOTAL:
                if base.holiday_gift_fen is None:
                    missing[org.pk] = org
            elif base.food_budget_fen is None and not base.no_canteen and not base.canteen_representative_id:
                missing[org.pk] = org
    return sorted(missing.values(), key=lambda org: org.name)
