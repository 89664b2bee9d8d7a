"""Writes for progress: attribution rules, schedules, thresholds and base values."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from bangfu.ledger.choices import Channel
from bangfu.orgs.models import Organisation
from bangfu.orgs.resolving import KnownOrgResolver, OrgResolver
from bangfu.plans.choices import TargetKind
from bangfu.plans.models import Plan, Target

from .choices import MeasureSource, OriginFilter, PurchaserScope
from .models import BaseValue, ProgressSchedule, ProgressSettings, ReportingCalendar, TargetRule
from .parsing import BaseFileError, read_base_rows
from .rules import is_union_target

UNION_SCHEDULE = "工会节日采购（春节、端午、中秋）"
# Cumulative share of a union's yearly gift buying by each month's end: peaks before 春节 (Jan–Feb),
# 端午 (May–Jun) and 中秋 (Aug–Sep).
UNION_CUMULATIVE = (
    "0.25",
    "0.38",
    "0.41",
    "0.45",
    "0.55",
    "0.64",
    "0.67",
    "0.75",
    "0.90",
    "0.94",
    "0.97",
    "1",
)


class BaseImportError(Exception):
    """A base-value file that cannot be read; the message is for the user (Chinese)."""


def progress_schedule_union() -> ProgressSchedule:
    values = {f"m{month:02d}": Decimal(share) for month, share in enumerate(UNION_CUMULATIVE, start=1)}
    schedule, _created = ProgressSchedule.objects.get_or_create(name=UNION_SCHEDULE, defaults=values)
    return schedule


def default_rule(target: Target) -> dict[str, object]:
    """The attribution rule the table implies for a target.

    A town's amount counts paired-area purchases by every unit in its jurisdiction; a union's ratio and
    per-capita quota count that union's own paired-area purchases (on the union schedule); a canteen's
    ratio counts its 832-platform purchases (the platform only sells products of 832 counties); a count
    comes from activity records, not purchases.
    """
    if target.kind == TargetKind.COUNT:
        return {
            "source": MeasureSource.ACTIVITIES,
            "purchaser_scope": PurchaserScope.SELF,
            "origin": OriginFilter.ANY,
        }
    if is_union_target(target):
        return {
            "purchaser_scope": PurchaserScope.SELF,
            "origin": OriginFilter.PAIRED,
            "schedule": progress_schedule_union(),
        }
    if "832" in target.channel:
        return {
            "purchaser_scope": PurchaserScope.SUBTREE,
            "origin": OriginFilter.ANY,
            "channel": Channel.PLATFORM_832,
        }
    return {"purchaser_scope": PurchaserScope.SUBTREE, "origin": OriginFilter.PAIRED}


@transaction.atomic
def progress_rules_ensure(plan: Plan) -> int:
    """Give every target of the plan its default rule unless it has one (an office's edits are kept)."""
    missing = Target.objects.filter(item__task__plan=plan, rule__isnull=True)
    created = 0
    for target in missing:
        TargetRule.objects.create(target=target, **default_rule(target))
        created += 1
    ProgressSettings.objects.get_or_create(plan=plan)
    return created


def base_value_set(*, organisation: Organisation, year: int, **values: object) -> BaseValue:
    """Create or update a unit's base values for a year; only the given fields change."""
    base, _created = BaseValue.objects.update_or_create(organisation=organisation, year=year, defaults=values)
    return base


@dataclass
class BaseImportResult:
    saved: int = 0
    rejected: list[str] = field(default_factory=list)
    created_orgs: list[str] = field(default_factory=list)
    unassigned: list[str] = field(default_factory=list)
    #: Every header column with the field it was taken for, or 未识别 (see ``common.tables.column_report``).
    columns: list[dict[str, object]] = field(default_factory=list)

    @property
    def unrecognised(self) -> list[str]:
        return [str(c["header"]) for c in self.columns if c["field"] is None]


@transaction.atomic
def bases_import(
    path: Path,
    *,
    year: int,
    default_parent: Organisation | None = None,
    within: Collection[int] | None = None,
) -> BaseImportResult:
    """Import base values from a spreadsheet; rows that cannot be read are listed with their reason
    (sheet, row, column) and nothing is saved from them. Units not yet known are created for review.

    With ``within`` (a reporter's scope), only units already known and inside it are written: rows naming
    other units are refused, nothing is created, and links to units outside it are not saved."""
    columns: list[dict[str, object]] = []
    try:
        rows = list(read_base_rows(Path(path), columns))
    except BaseFileError as exc:
        raise BaseImportError(str(exc)) from exc
    result = BaseImportResult(columns=columns)
    resolver: OrgResolver | KnownOrgResolver = (
        OrgResolver(default_parent=default_parent) if within is None else KnownOrgResolver()
    )
    allowed = None if within is None else set(within)
    for row in rows:
        if row.error:
            result.rejected.append(row.error)
            continue
        org_id = resolver.resolve(row.unit)
        if org_id is None:
            reason = "无法归属" if allowed is None else "未登记"
            result.rejected.append(f"工作表“{row.sheet}”第{row.row}行：单位“{row.unit}”{reason}，未导入")
            continue
        if allowed is not None and org_id not in allowed:
            result.rejected.append(
                f"工作表“{row.sheet}”第{row.row}行：单位“{row.unit}”不在本单位管辖范围内，未导入"
            )
            continue
        values: dict[str, object] = {"source": Path(path).name}
        for name in ("holiday_gift_fen", "member_count", "food_budget_fen", "no_canteen"):
            value = getattr(row, name)
            if value is not None:
                values[name] = value
        for name, written in (("canteen_representative", row.representative), ("counts_for", row.counts_for)):
            if written:
                linked = resolver.resolve(written)
                if linked is not None and allowed is not None and linked not in allowed:
                    result.rejected.append(
                        f"工作表“{row.sheet}”第{row.row}行：单位“{written}”不在本单位管辖范围内，该项未导入"
                    )
                elif linked is None:
                    result.rejected.append(
                        f"工作表“{row.sheet}”第{row.row}行：单位“{written}”无法归属，该项未导入"
                    )
                else:
                    values[f"{name}_id"] = linked
        base_value_set(organisation=Organisation.objects.get(pk=org_id), year=row.year or year, **values)
        result.saved += 1
    result.created_orgs = resolver.created
    result.unassigned = resolver.unassigned
    return result


@transaction.atomic
def reporting_calendar_set(
    *, plan: Plan, due_day: int, units: Iterable[Organisation] | None = None
) -> ReportingCalendar:
    """Set the day of the month by which units report, and — when given — the units expected to report
    (otherwise the expected units are kept; none listed means every unit with a line)."""
    calendar, _created = ReportingCalendar.objects.update_or_create(plan=plan, defaults={"due_day": due_day})
    if units is not None:
        calendar.units.set(list(units))
    return calendar
