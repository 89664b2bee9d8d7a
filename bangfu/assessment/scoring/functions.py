"""How an indicator turns a unit's figures into points, with a sentence explaining every point.

Methods:

- ``linear``: weight × min(rate, cap); over-completion may add ``bonus_rate`` points per 100 % above 100 %,
  at most ``bonus_cap`` points;
- ``thresholds``: ``steps`` = [[minimum rate, points], …]; the first step reached gives its points;
- ``deduction``: weight minus ``per_late`` for each late report and ``per_missing`` for each missing
  one, never below 0;
- ``veto``: no points; a vetoed unit's total is 0 (一票否决).

A line that cannot be measured (基数未填报, 暂无数据) scores 0 and says so; an exempt one (无食堂 …) scores
the full weight, or is left out of the scheme's total when ``exempt`` is "exclude".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def _pts(points: Decimal) -> str:
    return f"{points.quantize(CENT, rounding=ROUND_HALF_UP)}"


@dataclass(frozen=True)
class IndicatorRule:
    code: str
    name: str
    weight: Decimal
    method: str  # linear | thresholds | deduction | veto
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Figures:
    """What was measured for one unit and indicator, with the text that states it."""

    rate: Decimal | None = None
    applicable: bool = True  # False: the unit has nothing this indicator measures (left out)
    measured: bool = True
    exempt: bool = False
    late: int = 0
    missing: int = 0
    vetoed: bool = False
    statement: str = ""  # e.g. "完成285.04万元，目标300.00万元，完成率95.0%"
    references: dict[str, Any] = field(default_factory=dict)  # lines, record ids … behind the figure


@dataclass(frozen=True)
class IndicatorResult:
    rule: IndicatorRule
    points: Decimal
    explanation: str
    figures: Figures
    applicable: bool = True


def score_indicator(rule: IndicatorRule, figures: Figures) -> IndicatorResult:
    p = rule.params
    if rule.method == "veto":
        text = f"{rule.name}：{figures.statement or ('存在一票否决事项' if figures.vetoed else '无一票否决事项')}"
        return IndicatorResult(rule, ZERO, text + ("，总分计0分" if figures.vetoed else ""), figures)
    if not figures.applicable:
        return IndicatorResult(
            rule, ZERO, f"{rule.name}：{figures.statement or '无相关目标'}，不参加本项考核", figures, False
        )
    if figures.exempt:
        if p.get("exempt", "full") == "exclude":
            return IndicatorResult(
                rule, ZERO, f"{rule.name}：{figures.statement}，不参加本项考核", figures, False
            )
        return IndicatorResult(
            rule, rule.weight, f"{rule.name}：{figures.statement}，按满分{_pts(rule.weight)}分计", figures
        )
    if rule.method == "deduction":
        per_late, per_missing = Decimal(str(p.get("per_late", 0))), Decimal(str(p.get("per_missing", 0)))
        deducted = min(rule.weight, per_late * figures.late + per_missing * figures.missing)
        points = rule.weight - deducted
        text = (
            f"{rule.name}：迟报{figures.late}次、漏报{figures.missing}次，"
            f"扣{_pts(deducted)}分（迟报每次{_pts(per_late)}分、漏报每次{_pts(per_missing)}分），得{_pts(points)}分"
        )
        return IndicatorResult(rule, points, text, figures)
    if not figures.measured or figures.rate is None:
        return IndicatorResult(
            rule, ZERO, f"{rule.name}：{figures.statement or '无法计算完成率'}，得0分", figures
        )
    rate = figures.rate
    if rule.method == "thresholds":
        steps = sorted(((Decimal(str(r)), Decimal(str(pts))) for r, pts in p.get("steps", [])), reverse=True)
        for minimum, points in steps:
            if rate >= minimum:
                text = f"{rule.name}：{figures.statement}，达到{_pct(minimum)}档，得{_pts(points)}分"
                return IndicatorResult(rule, min(points, rule.weight), text, figures)
        return IndicatorResult(rule, ZERO, f"{rule.name}：{figures.statement}，未达到最低档，得0分", figures)
    cap = Decimal(str(p.get("cap", 1)))
    base = rule.weight * min(rate, cap) / cap
    text = f"{rule.name}：{figures.statement}，按完成率计{_pct(min(rate, cap))}×{_pts(rule.weight)}={_pts(base)}分"
    bonus = ZERO
    bonus_rate, bonus_cap = Decimal(str(p.get("bonus_rate", 0))), Decimal(str(p.get("bonus_cap", 0)))
    if rate > ONE and bonus_rate > 0:
        bonus = min(bonus_cap, (rate - ONE) * bonus_rate)
        text += f"，超额{_pct(rate - ONE)}加{_pts(bonus)}分（封顶{_pts(bonus_cap)}分）"
    return IndicatorResult(rule, base + bonus, text, figures)


@dataclass(frozen=True)
class UnitResult:
    total: Decimal
    vetoed: bool
    indicators: tuple[IndicatorResult, ...]
    full_marks: Decimal


def score_unit(results: Iterable[IndicatorResult]) -> UnitResult:
    """The unit's total: the sum of its indicators' points (rounded to 0.01), 0 when vetoed; when some
    indicators do not apply, the total is scaled to the applicable weight."""
    results = tuple(results)
    vetoed = any(r.rule.method == "veto" and r.figures.vetoed for r in results)
    scored = [r for r in results if r.rule.method != "veto"]
    full = sum((r.rule.weight for r in scored), ZERO)
    applicable = sum((r.rule.weight for r in scored if r.applicable), ZERO)
    total = sum((r.points for r in scored if r.applicable), ZERO)
    if applicable and applicable != full:
        total = total * full / applicable
    if vetoed:
        total = ZERO
    return UnitResult(total.quantize(CENT, rounding=ROUND_HALF_UP), vetoed, results, full)
