"""Reads for progress: each (target, unit) line's achievement as of a date, roll-ups, drill-down and
the reconciliation of self-reported 832 purchases with the platform's export.

Flow: load the plan's targets and rules → expand them into lines (groups to members, "其他…" groups
without the units the item names) → one grouped SUM per distinct eligibility filter (purchases by
purchaser) → the pure engine (`progress.calculation`) → presentational lines and roll-ups.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from bangfu.ledger.choices import BatchKind, Channel, RecordStatus
from bangfu.ledger.models import Purchase, PurchaseSighting
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


def _eligible(key: SumsKey, year: int, statuses: list[str]) -> Q:
    condition = Q(date__gte=key.start, date__lte=key.last, status__in=statuses)
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


def _grouped_sums(
    keys: Iterable[SumsKey], year: int, statuses: list[str], purchasers: set[int] | None
) -> tuple[dict[SumsKey, dict[int, int]], dict[SumsKey, dict[int, int]]]:
    """One grouped SUM per distinct filter: {key: {purchaser id: fen}}, and the record counts."""
    sums: dict[SumsKey, dict[int, int]] = {}
    counts: dict[SumsKey, dict[int, int]] = {}
    for key in set(keys):
        qs = Purchase.objects.filter(_eligible(key, year, statuses), purchaser_id__isnull=False)
        if purchasers is not None:
            qs = qs.filter(purchaser_id__in=sorted(purchasers))
        rows = qs.order_by().values_list("purchaser_id").annotate(total=Sum("amount_fen"), n=Count("id"))
        sums[key] = {pid: int(total) for pid, total, _n in rows}
        counts[key] = {pid: n for pid, _total, n in rows}
    return sums, counts


# --- lines ------------------------------------------------------------------------------------


def _named_in_item(item: Item) -> set[int]:
    return {a.organisation_id for a in item.roles.all() if a.organisation_id}


def _subjects(target: Target, item: Item) -> list[Organisation]:
    """The units a target applies to: its units in the order the table names them, then the members of
    its groups."""
    written = {name: index for index, name in enumerate(target.subjects_as_written)}
    explicit = sorted(target.orgs.all(), key=lambda o: (written.get(o.name, len(written)), o.name))
    subjects: dict[int, Organisation] = {org.pk: org for org in explicit}
    named = _named_in_item(item) | set(subjects)
    for group in target.groups.all():
        for org in group_members(group, exclude_ids=named):
            subjects.setdefault(org.pk, org)
    return list(subjects.values())


def _base(target: Target, orgs: Iterable[Organisation], bases: dict[int, BaseValue]) -> Decimal | None:
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


def _override(target: Target, orgs: tuple[Organisation, ...], bases: dict[int, BaseValue]) -> str | None:
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
    from .services import default_rule

    year = plan.year
    statuses = _statuses(plan, approved_only)
    settings = ProgressSettings.objects.filter(plan=plan).first()
    thresholds = (
        Thresholds(settings.lagging_below, settings.severe_below) if settings is not None else Thresholds()
    )
    children = org_children_map()
    bases = {b.organisation_id: b for b in BaseValue.objects.filter(year=year)}
    counts_for: dict[int, list[int]] = defaultdict(list)
    for base in bases.values():
        if base.counts_for_id:
            counts_for[base.counts_for_id].append(base.organisation_id)
        if base.canteen_representative_id:
            counts_for[base.canteen_representative_id].append(base.organisation_id)
    wanted = set(org_ids) if org_ids is not None else None

    specs: list[LineSpec] = []
    meta: list[tuple[Target, TargetRule, tuple[Organisation, ...]]] = []
    for target in _targets(plan, target_ids):
        rule = getattr(target, "rule", None) or TargetRule(target=target, **default_rule(target))
        subjects = _subjects(target, target.item)
        if target.scope == TargetScope.TOTAL and subjects:
            groups: list[tuple[Organisation, ...]] = [tuple(subjects)]
        else:
            groups = [(org,) for org in subjects]
        for orgs in groups:
            if wanted is not None and not wanted & {o.pk for o in orgs}:
                continue
            measured_by_purchases = rule.source == MeasureSource.PURCHASES
            specs.append(
                LineSpec(
                    target_id=target.pk,
                    kind=target.kind,
                    value=target.value,
                    org_ids=tuple(o.pk for o in orgs),
                    purchasers=purchaser_set(
                        [o.pk for o in orgs],
                        whole_subtree=rule.purchaser_scope == PurchaserScope.SUBTREE,
                        children=children,
                        counts_for=counts_for,
                    )
                    if measured_by_purchases
                    else frozenset(),
                    sums_key=_sums_key(rule, year, as_of) if measured_by_purchases else None,
                    base=_base(target, orgs, bases),
                    expected=_expected(rule, year, as_of),
                    override=_override(target, orgs, bases),
                )
            )
            meta.append((target, rule, orgs))

    keys: set[SumsKey] = {spec.sums_key for spec in specs if spec.sums_key is not None}
    restrict = set().union(*(spec.purchasers for spec in specs)) if wanted is not None else None
    sums, counts = _grouped_sums(keys, year, statuses, restrict)
    results = compute_lines(specs, sums, counts, thresholds)
    lines = [
        ProgressLine(result, target, target.item, target.item.task, orgs, rule)
        for result, (target, rule, orgs) in zip(results, meta, strict=True)
    ]
    report = ProgressReport(plan=plan, as_of=as_of, lines=lines)
    _add_rollups(report, children)
    return report


def _add_rollups(report: ProgressReport, children: dict[int | None, list[int]]) -> None:
    by_line = {id(line.result): line for line in report.lines}
    results = [line.result for line in report.lines]
    parents = {child: parent for parent, kids in children.items() for child in kids}
    orgs = {o.pk: o for o in Organisation.objects.only("id", "name", "kind", "parent_id")}
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
