"""Scores as of a date: a scheme's indicators applied to every unit of its groups, with explanations.

Flow: the progress engine computes every line once (approved records only — these are official
scores) → each indicator gathers its figures for a unit (its own lines, its jurisdiction's lines,
activity counts, the reporting calendar, veto records) → the pure scoring functions → ranks per group.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bangfu.activities.selectors import count_achieved
from bangfu.common.money import format_percent, format_wan
from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import org_children_map
from bangfu.plans.models import Plan
from bangfu.progress.calculation import subtree
from bangfu.progress.calculation.engine import EXEMPT, MEASURED, REPRESENTED
from bangfu.progress.choices import Status
from bangfu.progress.lines import ProgressLine
from bangfu.progress.selectors import ProgressReport, progress_compute, progress_line_records

from .models import Indicator, Scheme, ScoreGroup, VetoRecord
from .scoring import Figures, IndicatorRule, score_indicator, score_unit
from .scoring.functions import UnitResult


@dataclass
class UnitAssessment:
    unit: Organisation
    group: str
    result: UnitResult
    rank: int = 0


@dataclass
class Assessment:
    scheme: Scheme
    plan: Plan
    as_of: dt.date
    groups: dict[str, list[UnitAssessment]] = field(default_factory=dict)


def rule_of(indicator: Indicator) -> IndicatorRule:
    return IndicatorRule(
        code=indicator.code,
        name=indicator.name,
        weight=indicator.weight,
        method=indicator.method,
        params=dict(indicator.method_params or {}),
    )


def _line_statement(line: ProgressLine) -> str:
    r = line.result
    target = line.target
    if target.kind == "amount":
        figure = f"完成{format_wan(r.achieved_fen)}万元，目标{target.display_value}"
    elif target.kind in ("ratio", "per_capita") and r.achieved is not None:
        per_capita = f"{r.achieved.quantize(Decimal('0.01')):,}元/人"
        reached = format_percent(r.achieved, 1) if target.kind == "ratio" else per_capita
        figure = f"采购{format_wan(r.achieved_fen)}万元，达到{reached}，目标{target.display_value}"
    else:
        figure = f"目标{target.display_value}"
    rate = f"，完成率{format_percent(r.rate, 1)}" if r.rate is not None else f"（{Status(r.status).label}）"
    return f"{line.item_code} {line.org_label}{figure}{rate}"


class _IndicatorInputs:
    """Everything an indicator may need, loaded once per assessment."""

    def __init__(self, plan: Plan, report: ProgressReport, as_of: dt.date, *, freeze: bool) -> None:
        self.plan, self.report, self.as_of, self.freeze = plan, report, as_of, freeze
        self.children = org_children_map()
        self.lines_by_org: dict[int, list[ProgressLine]] = defaultdict(list)
        for line in report.lines:
            for org_id in line.result.spec.org_ids:
                self.lines_by_org[org_id].append(line)
        self.vetoes: dict[int, list[VetoRecord]] = defaultdict(list)
        for veto in VetoRecord.objects.filter(year=plan.year, date__lte=as_of):
            self.vetoes[veto.organisation_id].append(veto)
        self._calendar: Any = None
        self._items = {f"{t.seq}.{i.seq}": i for t in plan.tasks.all() for i in t.items.all()}

    def matching(self, lines: list[ProgressLine], params: dict[str, Any]) -> list[ProgressLine]:
        items, kinds = set(params.get("items") or []), set(params.get("kinds") or [])
        return [
            line for line in lines
            if (not items or line.item_code in items) and (not kinds or line.target.kind in kinds)
        ]  # fmt: skip

    def references(self, lines: list[ProgressLine]) -> dict[str, Any]:
        refs: dict[str, Any] = {
            "lines": [
                {
                    "item": line.item_code,
                    "target_id": line.target.pk,
                    "org_ids": list(line.result.spec.org_ids),
                    "achieved_fen": line.result.achieved_fen,
                    "rate": str(line.result.rate) if line.result.rate is not None else None,
                    "records": line.result.records,
                }
                for line in lines
            ]
        }
        if self.freeze:
            refs["record_ids"] = sorted(
                {
                    pk
                    for line in lines
                    for pk in progress_line_records(line, as_of=self.as_of, approved_only=True).values_list(
                        "pk", flat=True
                    )
                }
            )
        return refs

    def reporting(self, unit: Organisation) -> tuple[int, int]:
        from bangfu.progress.calendar import calendar_table

        if self._calendar is None:
            units = {o.pk: o for o in Organisation.objects.filter(active=True)}
            self._calendar = {
                row.unit.pk: row.reporting
                for row in calendar_table(
                    self.plan, today=self.as_of, units=units, children=self.children
                ).rows
            }
        row = self._calendar.get(unit.pk)
        return (row.late, row.missing) if row is not None else (0, 0)


def _figures(indicator: Indicator, unit: Organisation, ctx: _IndicatorInputs) -> Figures:
    params = dict(indicator.source_params or {})
    if indicator.source == "veto":
        vetoes = ctx.vetoes.get(unit.pk, [])
        statement = "；".join(f"{v.date:%Y-%m-%d} {v.reason}" for v in vetoes) if vetoes else "无一票否决事项"
        return Figures(
            vetoed=bool(vetoes), statement=statement, references={"vetoes": [v.pk for v in vetoes]}
        )
    if indicator.source == "reporting":
        late, missing = ctx.reporting(unit)
        return Figures(late=late, missing=missing, statement=f"迟报{late}次、漏报{missing}次")
    if indicator.source == "activities":
        item = ctx._items.get(params.get("item", ""))
        required = Decimal(str(params.get("required") or 0))
        if item is None or not required:
            return Figures(applicable=False, statement="未配置事项或要求数量")
        achieved = count_achieved(
            item_id=item.pk,
            unit=params.get("unit", ""),
            org_ids=subtree(unit.pk, ctx.children),
            as_of=ctx.as_of,
        )
        return Figures(
            rate=achieved / required,
            statement=f"{params.get('item')} 工作记录合计{achieved.normalize():f}{params.get('unit', '')}，要求{required.normalize():f}{params.get('unit', '')}",
            references={"item": params.get("item"), "achieved": str(achieved)},
        )
    if indicator.source == "lines":
        lines = ctx.matching(ctx.lines_by_org.get(unit.pk, []), params)
        lines = [line for line in lines if line.result.spec.org_ids == (unit.pk,)]
    else:  # jurisdiction_lines: every unit under this one
        members = subtree(unit.pk, ctx.children) - ({unit.pk} if not params.get("include_self") else set())
        seen: dict[int, ProgressLine] = {}
        for member in members:
            for line in ctx.matching(ctx.lines_by_org.get(member, []), params):
                seen[id(line)] = line
        lines = list(seen.values())
    if not lines:
        return Figures(applicable=False, statement="无相关目标")
    measured = [line for line in lines if line.result.status in MEASURED]
    exempt = [line for line in lines if line.result.status in (EXEMPT, REPRESENTED)]
    if not measured:
        if exempt and len(exempt) == len(lines):
            return Figures(
                exempt=True,
                statement="；".join(_line_statement(x) for x in lines),
                references=ctx.references(lines),
            )
        return Figures(
            measured=False,
            statement="；".join(_line_statement(x) for x in lines),
            references=ctx.references(lines),
        )
    # Measured lines always have a rate; in a jurisdiction each unit's rate counts at most 100 %.
    rates = [line.result.rate or Decimal(0) for line in measured]
    if indicator.source == "jurisdiction_lines":
        rates = [min(rate, Decimal(1)) for rate in rates]
    rate = sum(rates, Decimal(0)) / len(rates)
    if len(measured) > 1 or indicator.source == "jurisdiction_lines":
        head = f"{len(measured)}个目标平均完成率{format_percent(rate, 1)}"
        detail = "；".join(_line_statement(x) for x in measured[:8]) + ("……" if len(measured) > 8 else "")
        statement = f"{head}（{detail}）"
    else:
        statement = _line_statement(measured[0])
    return Figures(rate=rate, statement=statement, references=ctx.references(measured))


def _members(group: ScoreGroup, unit_ids: set[int] | None) -> list[Organisation]:
    qs = Organisation.objects.filter(kind__in=group.kinds or [], active=True).order_by("name")
    if unit_ids is not None:
        qs = qs.filter(pk__in=sorted(unit_ids))
    return list(qs)


def _rank(units: list[UnitAssessment]) -> None:
    units.sort(key=lambda u: (u.result.vetoed, -u.result.total, u.unit.name))
    previous, rank = None, 0
    for position, unit in enumerate(units, start=1):
        key = (unit.result.vetoed, unit.result.total)
        rank = rank if key == previous else position
        unit.rank, previous = rank, key


def assessment_compute(
    scheme: Scheme, *, as_of: dt.date, unit_ids: set[int] | None = None, freeze: bool = False
) -> Assessment:
    """Scores of every unit of the scheme's groups as of ``as_of`` (interim unless frozen by publishing).
    Ranks are within each group over all its units, whatever ``unit_ids`` restricts the output to."""
    plan = Plan.objects.prefetch_related("tasks__items").get(year=scheme.year)
    report = progress_compute(plan, as_of=as_of, approved_only=True)
    ctx = _IndicatorInputs(plan, report, as_of, freeze=freeze)
    assessment = Assessment(scheme=scheme, plan=plan, as_of=as_of)
    for group in scheme.groups.prefetch_related("indicators").order_by("position"):
        indicators = list(group.indicators.all())
        units = []
        for unit in _members(group, None):
            results = [score_indicator(rule_of(ind), _figures(ind, unit, ctx)) for ind in indicators]
            units.append(UnitAssessment(unit=unit, group=group.name, result=score_unit(results)))
        _rank(units)
        assessment.groups[group.name] = [u for u in units if unit_ids is None or u.unit.pk in unit_ids]
    return assessment
