"""Attribution rules (统计口径) as the computation applies them: which records count for a line (record
statuses, the rule's period, origin, channel and category), what time progress expects by a date,
what a ratio or per-capita target is measured against (the unit's base value), and which lines are
ranked together.

Each rule is written once here; the line expansion (:mod:`progress.lines`), the grouped sums
(:mod:`progress.sums`), the drill-down and the trend all read them from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone

from bangfu.ledger.choices import RecordStatus
from bangfu.orgs.choices import TOWN_LEVEL
from bangfu.orgs.models import Organisation
from bangfu.plans.choices import BaseKind, TargetKind
from bangfu.plans.models import Plan, Target
from bangfu.regions.selectors import paired_region_ids, region_832_ids

from .calculation import elapsed_share
from .calculation.engine import EXEMPT, REPRESENTED
from .calculation.timeline import scheduled_share
from .choices import OriginFilter
from .models import BaseValue, ProgressSettings, TargetRule


class SumsKey(NamedTuple):
    """One eligibility filter: the purchases it admits are summed per purchaser once, for every line."""

    origin: str
    region_id: int | None
    channel: str
    category: str
    start: dt.date
    last: dt.date


def default_as_of(year: int, today: dt.date | None = None) -> dt.date:
    """The date figures are as of when none is asked for (the pages, the API, the command line): today,
    kept inside the plan's year — its last day for a past year, its first for a future one."""
    today = today or timezone.localdate()
    return min(max(today, dt.date(year, 1, 1)), dt.date(year, 12, 31))


# --- eligibility filters ----------------------------------------------------------------------


#: The statuses that count when records awaiting review count too.
EVERY_COUNTED = (RecordStatus.SUBMITTED, RecordStatus.APPROVED)


def counted_statuses(plan: Plan, approved_only: bool | None = None) -> list[str]:
    """Record statuses that count: approved ones, and submitted ones unless the plan's settings (or the
    caller, e.g. the official dashboard) ask for approved records only."""
    if approved_only is None:
        settings = ProgressSettings.objects.filter(plan=plan).first()
        approved_only = settings is not None and not settings.count_submitted
    return [RecordStatus.APPROVED] if approved_only else list(EVERY_COUNTED)


def rule_period(rule: TargetRule, year: int, as_of: dt.date) -> tuple[dt.date, dt.date, dt.date]:
    """(start, end, last counted day) of the rule's period."""
    start = rule.period_start or dt.date(year, 1, 1)
    end = rule.period_end or dt.date(year, 12, 31)
    return start, end, min(end, as_of)


def sums_key(rule: TargetRule, year: int, as_of: dt.date) -> SumsKey:
    start, _end, last = rule_period(rule, year, as_of)
    return SumsKey(rule.origin, rule.origin_region_id, rule.channel, rule.category, start, last)


def eligible(key: SumsKey, year: int, statuses: Sequence[str], *, dates: bool = True) -> Q:
    """The purchases a filter admits: counted statuses, the period's dates (unless ``dates`` is False:
    the caller writes the range itself), origin, channel and category."""
    condition = Q(status__in=list(statuses))
    if dates:
        condition &= Q(date__gte=key.start, date__lte=key.last)
    return condition & admitted(key, year)


def admitted(key: SumsKey, year: int) -> Q:
    """What a filter asks of a purchase besides its status and date: origin, channel, category."""
    condition = Q()
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


def expected_share(rule: TargetRule, year: int, as_of: dt.date) -> Decimal:
    if rule.schedule is not None:
        return scheduled_share(as_of, year, rule.schedule.cumulative)
    start, end, _last = rule_period(rule, year, as_of)
    return elapsed_share(as_of, start, end)


# --- bases --------------------------------------------------------------------------------------

# Bases a union's targets are measured against (its holiday-gift total, its members).
UNION_BASES = frozenset({BaseKind.HOLIDAY_GIFT_TOTAL, BaseKind.MEMBER_COUNT})


def measured_base(target: Target) -> str | None:
    """The base a target is measured against: a per-capita quota a head count; a ratio the base it
    states, the canteen's food-procurement budget when it states none; amounts and counts none."""
    if target.kind == TargetKind.PER_CAPITA:
        return BaseKind.MEMBER_COUNT
    if target.kind == TargetKind.RATIO:
        return target.base_kind or BaseKind.PROCUREMENT_BUDGET
    return None


def is_union_target(target: Target) -> bool:
    """A target of the unions (工会): measured against a union's gift total or members."""
    return measured_base(target) in UNION_BASES


def is_canteen_target(target: Target) -> bool:
    """A target of the canteens (食堂): measured against the food-procurement budget."""
    return measured_base(target) == BaseKind.PROCUREMENT_BUDGET


@dataclass(frozen=True, slots=True)
class UnitBase:
    """The fields of a unit's base value the computation reads (thousands are read per computation:
    plain records, not model instances)."""

    holiday_gift_fen: int | None
    member_count: int | None
    food_budget_fen: int | None
    no_canteen: bool
    canteen_representative_id: int | None


def base_amount(kind: str, base: UnitBase | BaseValue) -> Decimal | None:
    """A unit's base of ``kind``: a head count, or 元; None when not reported (no members counts as
    not reported)."""
    if kind == BaseKind.MEMBER_COUNT:
        return Decimal(base.member_count) if base.member_count else None
    fen = base.holiday_gift_fen if kind == BaseKind.HOLIDAY_GIFT_TOTAL else base.food_budget_fen
    return Decimal(fen) / 100 if fen is not None else None


def base_missing(target: Target, base: UnitBase | BaseValue | None) -> bool:
    """Whether a unit lacks the base ``target`` is measured against (基数未填报): no base record, or
    not the figure the target needs — unless the unit has no canteen or shares one (for a canteen's
    budget)."""
    kind = measured_base(target)
    if kind is None:
        return False
    if base is None:
        return True
    if kind == BaseKind.PROCUREMENT_BUDGET and (base.no_canteen or base.canteen_representative_id):
        return False
    return base_amount(kind, base) is None


def line_base(target: Target, orgs: Iterable[Organisation], bases: dict[int, UnitBase]) -> Decimal | None:
    """The base of a ratio (元) or per-capita quota (head count), summed over the line's units; None
    when a unit's is missing or the target is measured against none."""
    kind = measured_base(target)
    if kind is None:
        return None
    total: Decimal | None = None
    for org in orgs:
        base = bases.get(org.pk)
        value = base_amount(kind, base) if base is not None else None
        if value is None:
            return None
        total = value if total is None else total + value
    return total


def line_override(target: Target, orgs: tuple[Organisation, ...], bases: dict[int, UnitBase]) -> str | None:
    """A canteen line's status decided before any figure: every unit of the line has no canteen
    (exempt) or names the unit whose canteen it shares (represented)."""
    if not is_canteen_target(target):
        return None
    flags = [bases.get(org.pk) for org in orgs]
    if flags and all(b is not None and b.no_canteen for b in flags):
        return EXEMPT
    if flags and all(b is not None and b.canteen_representative_id for b in flags):
        return REPRESENTED
    return None


# --- ranks --------------------------------------------------------------------------------------

# The town ranking (镇街排名): every town-level unit's purchase target, ranked together by completion
# rate across the table's tiers (300万, 250万, 150万, 50万 …) — the ranking the bulletin publishes and the
# dashboard, the task table and each unit's page show. Other lines are ranked within their target.
TOWN_RANKING = "towns"


def is_town_line(target: Target, orgs: Iterable[Organisation]) -> bool:
    """A town's purchase target: an amount line whose every unit is town-level (镇、街道、管委会); a total
    target of several towns is one entry of the ranking."""
    units = list(orgs)
    return target.kind == TargetKind.AMOUNT and bool(units) and all(org.kind in TOWN_LEVEL for org in units)


def rank_group(target: Target, orgs: Iterable[Organisation]) -> str | None:
    """The ranking a line takes part in beyond its target's: the town ranking, or None."""
    return TOWN_RANKING if is_town_line(target, orgs) else None
