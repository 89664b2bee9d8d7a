"""Line expansion: a plan's targets become (target, unit) lines — groups to their members, "其他…" groups
without the units the item names, a total target as one line of its units — each with the purchasers
whose records count for it, its base, its expected share and its eligibility filter, ready for the
grouped sums and the pure engine. Also: who has lines, and whose bases are missing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from django.db.models import Q, QuerySet

from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import group_members, org_children_map
from bangfu.plans.choices import TargetKind, TargetScope
from bangfu.plans.models import Item, Plan, Target, Task

from .cache import cached, peek, structure_stamp
from .calculation import LineResult, LineSpec, Thresholds, purchaser_set
from .calculation.engine import REPRESENTED
from .choices import MeasureSource, PurchaserScope
from .models import BaseValue, ProgressSettings, TargetRule
from .rules import (
    SumsKey,
    UnitBase,
    base_missing,
    expected_share,
    is_canteen_target,
    line_base,
    line_override,
    measured_base,
    rank_group,
    sums_key,
)


@dataclass(frozen=True)
class ProgressLine:
    """A computed line with what a person needs to read it."""

    result: LineResult
    target: Target
    item: Item
    task: Task
    orgs: tuple[Organisation, ...]
    rule: TargetRule
    # A shared canteen (共用食堂): the unit whose line counts this line's purchases (on a represented
    # line), and the units whose canteen purchases this line counts (on the representative's line).
    counted_at: str = ""
    represents: tuple[str, ...] = ()

    @property
    def org_label(self) -> str:
        return "、".join(org.name for org in self.orgs)

    @property
    def item_code(self) -> str:
        return f"{self.task.seq}.{self.item.seq}"


# --- expansion ------------------------------------------------------------------------------------


def _named_in_item(item: Item) -> set[int]:
    return {a.organisation_id for a in item.roles.all() if a.organisation_id}


UNIT_FIELDS = ("id", "name", "short_name", "kind", "parent_id", "active")


def target_subjects(
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
        members = group_members(group, exclude_ids=named).only(*UNIT_FIELDS)
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


def plan_targets(plan: Plan, target_ids: Iterable[int] | None = None) -> QuerySet[Target]:
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


@dataclass(frozen=True)
class PlannedLine:
    """A (target, unit) line before any purchase is summed: what it is (target, rule, units) and what
    the pure engine computes it from (``spec``)."""

    target: Target
    rule: TargetRule
    orgs: tuple[Organisation, ...]
    spec: LineSpec
    counted_at: str = ""  # see ProgressLine
    represents: tuple[str, ...] = ()


@dataclass
class Prepared:
    """A plan's lines before any purchase is summed: what ``progress_compute`` builds once."""

    plan: Plan
    as_of: dt.date
    lines: list[PlannedLine]
    children: dict[int | None, list[int]]
    thresholds: Thresholds
    keys: set[SumsKey]
    restrict: set[int] | None
    units: dict[int, Organisation] | None = None  # every unit, when the whole plan was prepared
    complete: bool = True  # every line of the plan (no units or targets left out)
    #: What readers work out from the lines alone, once (kept with the cached whole-plan lines).
    derived: dict[str, Any] = field(default_factory=dict)


def lines_prepare(
    plan: Plan,
    as_of: dt.date,
    org_ids: Iterable[int] | None,
    target_ids: Iterable[int] | None,
) -> Prepared:
    """The plan's lines (or those of ``org_ids`` / ``target_ids``). The whole plan's are cached while
    nothing they are built from changes (:func:`progress.cache.structure_stamp`): shared, read-only.
    Some units' or targets' lines are taken from the whole plan's when those are cached (a unit's page
    after the dashboard or the ranks), and prepared for themselves otherwise."""
    key = ("prepared", plan.pk, as_of)
    if org_ids is None and target_ids is None:
        return cached(key, lambda: _lines_prepare(plan, as_of, None, None), stamp=structure_stamp)
    whole = peek(key, stamp=structure_stamp)
    if isinstance(whole, Prepared):
        return narrowed(whole, org_ids, target_ids)
    return _lines_prepare(plan, as_of, org_ids, target_ids)


def narrowed(whole: Prepared, org_ids: Iterable[int] | None, target_ids: Iterable[int] | None) -> Prepared:
    """The lines of ``org_ids`` / ``target_ids`` out of the whole plan's: the same lines, in the same
    order, with the same specs as :func:`_lines_prepare` makes for them (a line is a unit's when one of
    its units is wanted; a total target's one line stays whole)."""
    wanted = set(org_ids) if org_ids is not None else None
    targets = set(target_ids) if target_ids is not None else None
    positions = [
        position
        for position, line in enumerate(whole.lines)
        if (targets is None or line.target.pk in targets)
        and (wanted is None or not wanted.isdisjoint(line.spec.org_ids))
    ]
    lines = [whole.lines[position] for position in positions]
    keys = {line.spec.sums_key for line in lines if line.spec.sums_key is not None}
    restrict = set().union(*(line.spec.purchasers for line in lines)) if wanted is not None else None
    units = whole.units if wanted is None else None  # as _lines_prepare: every unit when no unit is wanted
    part = Prepared(
        whole.plan, whole.as_of, lines, whole.children, whole.thresholds, keys, restrict, units, False
    )
    # Where its lines are in the whole plan's: their figures can be taken from the whole plan's live
    # figures (progress.live) instead of being computed.
    part.derived.update(whole=whole, positions=positions)
    return part


def _lines_prepare(
    plan: Plan,
    as_of: dt.date,
    org_ids: Iterable[int] | None,
    target_ids: Iterable[int] | None,
) -> Prepared:
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
    shares: dict[int, list[int]] = defaultdict(list)  # a shared canteen's representative → the units
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
            shares[representative_id].append(unit_id)
    share_names = (
        dict(
            Organisation.objects.filter(
                pk__in=sorted(set(shares) | {u for units in shares.values() for u in units})
            ).values_list("pk", "name")
        )
        if shares
        else {}
    )

    # The whole plan names every unit: load them once, for the lines and the roll-ups.
    units = org_index() if wanted is None else None
    planned: list[tuple[Target, TargetRule, tuple[Organisation, ...]]] = []
    for target in plan_targets(plan, target_ids):
        rule = getattr(target, "rule", None) or TargetRule(target=target, **default_rule(target))
        subjects = target_subjects(target, target.item, wanted, units)
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
        row[0]: UnitBase(*row[1:])
        for row in bases_qs.values_list(
            "organisation_id", "holiday_gift_fen", "member_count", "food_budget_fen", "no_canteen",
            "canteen_representative_id",
        )
    }  # fmt: skip

    @cache
    def purchasers_of(roots: tuple[int, ...], whole_subtree: bool) -> frozenset[int]:
        # A union has a gift ratio and a per-capita quota: the same purchasers, computed once.
        return purchaser_set(roots, whole_subtree=whole_subtree, children=children, counts_for=counts_for)

    lines: list[PlannedLine] = []
    activities = _activities_by_item(plan, as_of)
    rule_figures: dict[int, tuple[SumsKey, Decimal]] = {}
    for target, rule, orgs in planned:
        if target.pk not in rule_figures:
            rule_figures[target.pk] = (sums_key(rule, year, as_of), expected_share(rule, year, as_of))
        key, expected = rule_figures[target.pk]
        measured_by_purchases = rule.source == MeasureSource.PURCHASES
        spec = LineSpec(
            target_id=target.pk,
            kind=target.kind,
            value=target.value,
            org_ids=tuple(o.pk for o in orgs),
            purchasers=purchasers_of(
                tuple(o.pk for o in orgs), rule.purchaser_scope == PurchaserScope.SUBTREE
            )
            if measured_by_purchases
            else frozenset(),
            sums_key=key if measured_by_purchases else None,
            base=line_base(target, orgs, bases),
            expected=expected,
            override=line_override(target, orgs, bases),
            count=None
            if measured_by_purchases or target.kind != TargetKind.COUNT
            else _activity_count(activities, target, orgs, children, counts_for),
            rank_group=rank_group(target, orgs),
        )
        counted_at = ""
        represents: tuple[str, ...] = ()
        if is_canteen_target(target):
            if spec.override == REPRESENTED:
                counted_at = "、".join(
                    share_names.get(base.canteen_representative_id, "")
                    for base in (bases.get(o.pk) for o in orgs)
                    if base is not None and base.canteen_representative_id
                )
            represents = tuple(share_names.get(u, "") for o in orgs for u in shares.get(o.pk, ()))
        lines.append(PlannedLine(target, rule, orgs, spec, counted_at, represents))

    keys = {line.spec.sums_key for line in lines if line.spec.sums_key is not None}
    restrict = set().union(*(line.spec.purchasers for line in lines)) if wanted is not None else None
    complete = org_ids is None and target_ids is None
    return Prepared(plan, as_of, lines, children, thresholds, keys, restrict, units, complete)


def org_index(prepared: Prepared | None = None) -> dict[int, Organisation]:
    """The units a report's roll-ups and pages need: every unit for the whole plan; for a per-unit
    report only the units of its lines, their jurisdictions and their ancestors (a page of one town
    need not load five thousand units)."""
    if prepared is not None and prepared.units is not None:
        return prepared.units
    qs = Organisation.objects.only(*UNIT_FIELDS)
    if prepared is None or prepared.restrict is None:
        return {o.pk: o for o in qs}
    parents = {child: parent for parent, kids in prepared.children.items() for child in kids}
    ids: set[int] = set(prepared.restrict)
    for line in prepared.lines:
        ids.update(line.spec.org_ids)
    for pk in list(ids):
        node = parents.get(pk)
        while node is not None and node not in ids:
            ids.add(node)
            node = parents.get(node)
    return {o.pk: o for o in qs.filter(pk__in=sorted(ids))}


# --- who has lines ----------------------------------------------------------------------------------


def line_units(plan: Plan) -> dict[int, Organisation]:
    """Every unit with a line in the plan (the units a target applies to, groups expanded)."""
    units: dict[int, Organisation] = {}
    for target in plan_targets(plan):
        for org in target_subjects(target, target.item):
            units.setdefault(org.pk, org)
    return units


def bases_missing(plan: Plan, *, unit_ids: Iterable[int] | None = None) -> list[Organisation]:
    """Units whose ratio or per-capita targets lack the base they are measured against (no members or
    gift total for a union; no food budget for a canteen, unless it has none or shares one), by name."""
    wanted = set(unit_ids) if unit_ids is not None else None
    bases = {b.organisation_id: b for b in BaseValue.objects.filter(year=plan.year)}
    missing: dict[int, Organisation] = {}
    for target in plan_targets(plan):
        if measured_base(target) is None:
            continue
        for org in target_subjects(target, target.item):
            if wanted is not None and org.pk not in wanted:
                continue
            if base_missing(target, bases.get(org.pk)):
                missing[org.pk] = org
    return sorted(missing.values(), key=lambda org: org.name)
