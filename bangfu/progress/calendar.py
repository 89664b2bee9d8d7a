"""Reads for the reporting calendar (报送日历): which units are expected to report, who reported when, and
each unit's status in each reporting period (the arithmetic is :mod:`progress.calendar_periods`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Min, Q
from django.utils import timezone

from bangfu.ledger.choices import BatchKind, RecordStatus
from bangfu.ledger.models import ImportBatch, Purchase
from bangfu.orgs.choices import TOWN_LEVEL
from bangfu.orgs.models import Organisation

from .calculation import subtree
from .calendar_periods import Period, UnitReporting, periods, unit_reporting
from .lines import line_units
from .models import ReportingCalendar
from .sums import Month

DEFAULT_DUE_DAY = 5


def reporting_calendar_get(plan) -> ReportingCalendar:
    """The plan's calendar, or the default (the 5th, every unit with a line) when none is saved."""
    found = ReportingCalendar.objects.filter(plan=plan).first()
    return found if found is not None else ReportingCalendar(plan=plan, due_day=DEFAULT_DUE_DAY)


def calendar_stamp(calendar: ReportingCalendar) -> tuple[object, ...]:
    """What computations over a reporting calendar depend on besides the data (its due day and the units
    it lists): part of the key they are cached under (``progress.cache``), with the data stamp."""
    listed = tuple(calendar.units.values_list("pk", flat=True)) if calendar.pk else ()
    return (calendar.pk, calendar.due_day, calendar.updated_at, listed)


def _town_above(unit_id: int, parents: Mapping[int, int | None], towns: set[int]) -> int | None:
    seen: set[int] = set()
    above = parents.get(unit_id)
    while above is not None and above not in seen:
        if above in towns:
            return above
        seen.add(above)
        above = parents.get(above)
    return None


def through_town(units: Mapping[int, Organisation]) -> dict[int, int]:
    """Units that report through their town: unit id → the town-level unit (镇、街道、管委会) above it,
    when that town is itself among ``units``. A town's report covers the units under it (a union's or
    a school canteen's purchases reach the system in the town's ledger, :func:`reporting_days`), so
    they are neither shown as 未报送 on their own nor reminded to report."""
    towns = {pk for pk, unit in units.items() if unit.kind in TOWN_LEVEL}
    if not towns:
        return {}
    parents = dict(Organisation.objects.order_by().values_list("pk", "parent_id"))
    found = {pk: _town_above(pk, parents, towns) for pk in units}
    return {pk: town for pk, town in found.items() if town is not None}


@dataclass(frozen=True)
class OrgTree:
    """The jurisdiction tree as one query reads it: parents, children and the town-level units."""

    parents: dict[int, int | None]
    children: dict[int | None, list[int]]
    towns: frozenset[int]


def org_tree() -> OrgTree:
    parents: dict[int, int | None] = {}
    children: dict[int | None, list[int]] = defaultdict(list)
    towns: set[int] = set()
    for pk, parent_id, kind in Organisation.objects.order_by("id").values_list("pk", "parent_id", "kind"):
        parents[pk] = parent_id
        children[parent_id].append(pk)
        if kind in TOWN_LEVEL:
            towns.add(pk)
    return OrgTree(parents, children, frozenset(towns))


def reports_on_its_own(calendar: ReportingCalendar, unit_id: int, tree: OrgTree) -> bool:
    """Whether a unit with its own accounts is expected to report itself (a reporter's inbox): the units
    the calendar lists, else any unit not under a town (:func:`through_town`) — without expanding every
    target's units, which :func:`expected_units` does."""
    if calendar.pk:
        listed = set(calendar.units.values_list("pk", flat=True))
        if listed:
            return unit_id in listed
    return _town_above(unit_id, tree.parents, set(tree.towns)) is None


def expected_units(plan, calendar: ReportingCalendar) -> dict[int, Organisation]:
    """Units expected to report: those the calendar lists, else every unit with a line except those that
    report through their town (:func:`through_town`)."""
    if calendar.pk:
        listed = {org.pk: org for org in calendar.units.order_by("name")}
        if listed:
            return listed
    units = line_units(plan)
    covered = through_town(units)
    return {pk: unit for pk, unit in units.items() if pk not in covered}


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def reporting_days(
    unit_ids: Iterable[int],
    *,
    start: dt.date,
    end: dt.date,
    children: Mapping[int | None, Iterable[int]],
) -> dict[int, list[dt.date]]:
    """For each unit, the days (local time) in [start, end] on which it — or a unit under it — reported:
    a ledger import batch created with it as the reporting unit (the 832 platform's export is the
    office's cross-check, not a unit's report), or a record entered by hand (not a draft)."""
    units = list(unit_ids)
    reach = {unit: subtree(unit, children) for unit in units}
    reporters = sorted(set().union(*reach.values())) if reach else []
    low = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    high = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    by_reporter: dict[int, set[dt.date]] = defaultdict(set)
    batches = (
        ImportBatch.objects.filter(created_at__gte=low, created_at__lt=high, reporting_org_id__in=reporters)
        .exclude(kind=BatchKind.PLATFORM_832)
        .values_list("reporting_org_id", "created_at")
    )
    records = (
        Purchase.objects.filter(
            Q(batch__isnull=True),
            created_at__gte=low,
            created_at__lt=high,
            reporting_org_id__in=reporters,
        )
        .exclude(status=RecordStatus.DRAFT)
        .order_by()
        .values_list("reporting_org_id", "created_at")
        .distinct()
    )
    for reporter, moment in [*batches, *records]:
        by_reporter[reporter].add(_local_day(moment))
    days: dict[int, list[dt.date]] = {}
    for unit, members in reach.items():
        found: set[dt.date] = set()
        for member in members:
            found |= by_reporter.get(member, set())
        days[unit] = sorted(found)
    return days


# --- the calendar ---------------------------------------------------------------------------------


@dataclass
class ReportingActivity:
    """When a unit's data arrived: the first day a record dated in each month reached the system, the
    days it imported files, and the last day anything arrived."""

    first_records: dict[int, dt.date] = field(default_factory=dict)
    batch_days: list[dt.date] = field(default_factory=list)
    last_day: dt.date | None = None


def reporting_activity(
    unit_ids: Iterable[int], *, year: int, children: Mapping[int | None, Iterable[int]]
) -> dict[int, ReportingActivity]:
    """For each unit, what it — or a unit under it — reported for the plan year: records it entered or
    imported (not drafts, not the 832 platform's export, which is the office's cross-check), by the month
    they are dated in, and the ledger files it imported. One grouped query and one query of batches."""
    units = list(unit_ids)
    reach = {unit: subtree(unit, children) for unit in units}
    reporters = sorted(set().union(*reach.values())) if reach else []
    records = (
        Purchase.objects.filter(
            date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31), reporting_org_id__in=reporters
        )
        .exclude(status=RecordStatus.DRAFT)
        .exclude(batch__kind=BatchKind.PLATFORM_832)
        .order_by()
        .annotate(month=Month("date"))
        .values_list("reporting_org_id", "month")
        .annotate(first=Min("created_at"), last=Max("created_at"))
    )
    firsts: dict[int, dict[int, dt.date]] = defaultdict(dict)
    lasts: dict[int, dt.date] = {}
    for reporter, month, first, last in records:
        day = _local_day(first)
        month = int(month)
        if month not in firsts[reporter] or day < firsts[reporter][month]:
            firsts[reporter][month] = day
        lasts[reporter] = max(lasts.get(reporter, day), _local_day(last))
    low = timezone.make_aware(dt.datetime(year, 1, 1))
    high = timezone.make_aware(dt.datetime(year + 1, 3, 1))
    batches: dict[int, set[dt.date]] = defaultdict(set)
    for reporter, moment in (
        ImportBatch.objects.filter(created_at__gte=low, created_at__lt=high, reporting_org_id__in=reporters)
        .exclude(kind=BatchKind.PLATFORM_832)
        .values_list("reporting_org_id", "created_at")
    ):
        batches[reporter].add(_local_day(moment))
    found: dict[int, ReportingActivity] = {}
    for unit, members in reach.items():
        activity = ReportingActivity()
        days: set[dt.date] = set()
        for member in members:
            for month, day in firsts.get(member, {}).items():
                if month not in activity.first_records or day < activity.first_records[month]:
                    activity.first_records[month] = day
            days |= batches.get(member, set())
            candidates = [d for d in (lasts.get(member), max(batches[member], default=None)) if d]
            if candidates:
                latest = max(candidates)
                activity.last_day = latest if activity.last_day is None else max(activity.last_day, latest)
        activity.batch_days = sorted(days)
        found[unit] = activity
    return found


@dataclass
class CalendarRow:
    unit: Organisation
    reporting: UnitReporting
    periods: list[Period]

    @property
    def cells(self) -> list[tuple[Period, str]]:
        return list(zip(self.periods, self.reporting.statuses, strict=True))


@dataclass
class CalendarTable:
    calendar: ReportingCalendar
    today: dt.date
    periods: list[Period]
    rows: list[CalendarRow] = field(default_factory=list)

    @property
    def due(self) -> int:
        return sum(row.reporting.due for row in self.rows)

    @property
    def on_time(self) -> int:
        return sum(row.reporting.on_time for row in self.rows)

    @property
    def late(self) -> int:
        return sum(row.reporting.late for row in self.rows)

    @property
    def missing(self) -> int:
        return sum(row.reporting.missing for row in self.rows)

    @property
    def completeness(self) -> Decimal | None:
        return Decimal(self.on_time + self.late) / self.due if self.due else None

    @property
    def on_time_rate(self) -> Decimal | None:
        return Decimal(self.on_time) / self.due if self.due else None


def calendar_table(
    plan,
    *,
    today: dt.date,
    units: Mapping[int, Organisation],
    children: Mapping[int | None, Iterable[int]],
    calendar: ReportingCalendar | None = None,
) -> CalendarTable:
    """Each unit's status in each period of the plan year whose window has opened by ``today``."""
    calendar = calendar or reporting_calendar_get(plan)
    opened = periods(plan.year, calendar.due_day, today)
    table = CalendarTable(calendar=calendar, today=today, periods=opened)
    if not opened:
        return table
    activity = reporting_activity(units, year=plan.year, children=children)
    for unit_id, unit in sorted(units.items(), key=lambda pair: pair[1].name):
        seen = activity.get(unit_id, ReportingActivity())
        reporting = unit_reporting(
            unit_id,
            opened,
            today,
            first_records=seen.first_records,
            batch_days=seen.batch_days,
            last_day=seen.last_day,
        )
        table.rows.append(CalendarRow(unit, reporting, opened))
    return table
