"""Writes for assessment: schemes (from a file or the admin), veto records, publishing frozen scores."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction

from bangfu.orgs.choices import OrgKind
from bangfu.orgs.models import Organisation

from .models import Indicator, IndicatorScore, Scheme, ScoreGroup, ScoreRun, UnitScore, VetoRecord
from .selectors import assessment_compute

SOURCES = {value for value, _label in Indicator.SOURCES}
METHODS = {value for value, _label in Indicator.METHODS}


class SchemeError(Exception):
    """A scheme file that cannot be used; the message is for the user (Chinese)."""


def _decimal(value: Any, where: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise SchemeError(f"{where}：“{value}”不是有效数字") from exc
    if number < 0:
        raise SchemeError(f"{where}：不能为负数")
    return number


def _check(data: dict[str, Any]) -> None:
    if not isinstance(data.get("year"), int) or not data.get("name"):
        raise SchemeError("考核办法需要“year”（年度）和“name”（名称）。")
    kinds = set(OrgKind.values)
    for g, group in enumerate(data.get("groups") or [], start=1):
        if not group.get("name") or not set(group.get("kinds") or []) <= kinds or not group.get("kinds"):
            raise SchemeError(f"第{g}个分组：需要名称和有效的单位类型（{'、'.join(sorted(kinds))}）。")
        codes = set()
        for i, indicator in enumerate(group.get("indicators") or [], start=1):
            where = f"分组“{group['name']}”第{i}个指标"
            if indicator.get("source") not in SOURCES:
                raise SchemeError(f"{where}：数据来源应为 {'、'.join(sorted(SOURCES))} 之一。")
            if indicator.get("method") not in METHODS:
                raise SchemeError(f"{where}：计分方式应为 {'、'.join(sorted(METHODS))} 之一。")
            if not indicator.get("code") or indicator["code"] in codes:
                raise SchemeError(f"{where}：编号缺失或重复。")
            codes.add(indicator["code"])
            _decimal(indicator.get("weight", 0), where)


@transaction.atomic
def scheme_load(data: dict[str, Any]) -> Scheme:
    """Create or replace (by year and name) a scheme from its JSON form (see bangfu/data/assessment_2022.json)."""
    _check(data)
    scheme, _created = Scheme.objects.update_or_create(
        year=data["year"], name=data["name"], defaults={"notes": data.get("notes", "")}
    )
    scheme.groups.all().delete()
    for g, group in enumerate(data.get("groups") or []):
        saved = ScoreGroup.objects.create(scheme=scheme, name=group["name"], kinds=group["kinds"], position=g)
        for i, indicator in enumerate(group.get("indicators") or []):
            Indicator.objects.create(
                group=saved,
                code=indicator["code"],
                name=indicator["name"],
                source=indicator["source"],
                source_params=indicator.get("source_params") or {},
                method=indicator["method"],
                method_params=indicator.get("method_params") or {},
                weight=_decimal(indicator.get("weight", 0), indicator["code"]),
                position=i,
            )
    return scheme


def scheme_load_file(path: Path) -> Scheme:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise SchemeError(f"无法读取考核办法文件 {Path(path).name}：{exc}") from exc
    return scheme_load(data)


def scheme_snapshot(scheme: Scheme) -> dict[str, Any]:
    return {
        "year": scheme.year,
        "name": scheme.name,
        "notes": scheme.notes,
        "groups": [
            {
                "name": group.name,
                "kinds": group.kinds,
                "indicators": [
                    {
                        "code": i.code, "name": i.name, "source": i.source, "source_params": i.source_params,
                        "method": i.method, "method_params": i.method_params, "weight": str(i.weight),
                    }
                    for i in group.indicators.all()
                ],
            }
            for group in scheme.groups.prefetch_related("indicators")
        ],
    }  # fmt: skip


def veto_add(*, organisation: Organisation, date: dt.date, reason: str) -> VetoRecord:
    return VetoRecord.objects.create(organisation=organisation, year=date.year, date=date, reason=reason)


@transaction.atomic
def score_publish(scheme: Scheme, *, as_of: dt.date, user: Any = None, title: str = "") -> ScoreRun:
    """Freeze the scores as of ``as_of`` with everything they used (figures, record ids, the scheme)."""
    assessment = assessment_compute(scheme, as_of=as_of, freeze=True)
    run = ScoreRun.objects.create(
        scheme=scheme,
        as_of=as_of,
        title=title or f"{scheme.name}（截至{as_of:%Y年%m月%d日}）",
        scheme_snapshot=scheme_snapshot(scheme),
        published_by=user if getattr(user, "pk", None) else None,
    )
    for group_name, units in assessment.groups.items():
        for unit in units:
            score = UnitScore.objects.create(
                run=run,
                group_name=group_name,
                organisation=unit.unit,
                unit_name=unit.unit.name,
                total=unit.result.total,
                full_marks=unit.result.full_marks,
                rank=unit.rank,
                vetoed=unit.result.vetoed,
            )
            IndicatorScore.objects.bulk_create(
                [
                    IndicatorScore(
                        unit_score=score,
                        code=r.rule.code,
                        name=r.rule.name,
                        weight=r.rule.weight,
                        points=r.points.quantize(Decimal("0.01")),
                        explanation=r.explanation,
                        figures={
                            "rate": str(r.figures.rate) if r.figures.rate is not None else None,
                            "applicable": r.applicable,
                            "statement": r.figures.statement,
                            **r.figures.references,
                        },
                    )
                    for r in unit.result.indicators
                ]
            )
    return run
