"""`bangfu scheme load FILE` and `bangfu assess [--publish]`."""

from __future__ import annotations

import argparse
from typing import Any

from bangfu.common.command_line import (
    AddCommand,
    UserError,
    existing_file,
    parse_date_arg,
    print_json,
    setup_django,
)
from bangfu.progress.commands import as_of_date, plan_for


def cmd_scheme_load(args: argparse.Namespace) -> int:
    file = existing_file(args.file)
    setup_django()
    from bangfu.assessment.services import SchemeError, scheme_load_file

    try:
        scheme = scheme_load_file(file)
    except SchemeError as exc:
        raise UserError(str(exc)) from exc
    indicators = sum(group.indicators.count() for group in scheme.groups.all())
    print(f"已载入考核办法“{scheme.name}”：{scheme.groups.count()} 个分组、{indicators} 个指标。")
    return 0


def _scheme_for(year: int):
    from bangfu.assessment.models import Scheme

    scheme = Scheme.objects.filter(year=year).order_by("-updated_at").first()
    if scheme is None:
        raise UserError(f"没有{year}年的考核办法，请先用 bangfu scheme load 文件 载入。")
    return scheme


def cmd_assess(args: argparse.Namespace) -> int:
    parse_date_arg(args.as_of)
    setup_django()
    from bangfu.assessment.selectors import assessment_compute
    from bangfu.assessment.services import score_publish

    plan = plan_for(args.year)
    scheme = _scheme_for(plan.year)
    as_of = as_of_date(args.as_of, plan.year)
    if args.publish:
        run = score_publish(scheme, as_of=as_of, title=args.title or "")
        print(f"已发布并冻结考核结果“{run.title}”（{run.scores.count()} 个单位）。")
        return 0
    assessment = assessment_compute(scheme, as_of=as_of)
    if args.json:
        data: list[dict[str, Any]] = []
        for group, units in assessment.groups.items():
            for unit in units:
                data.append(
                    {
                        "group": group,
                        "org": unit.unit.name,
                        "rank": unit.rank,
                        "total": float(unit.result.total),
                        "vetoed": unit.result.vetoed,
                        "indicators": [
                            {
                                "code": r.rule.code,
                                "points": float(round(r.points, 2)),
                                "explanation": r.explanation,
                            }
                            for r in unit.result.indicators
                        ],
                    }
                )
        print_json(data)
        return 0
    print(f"{scheme.name}  截至 {as_of:%Y-%m-%d}（中期得分，未发布）")
    for group, units in assessment.groups.items():
        print(f"【{group}】")
        for unit in units:
            flag = " 一票否决" if unit.result.vetoed else ""
            print(f"  {unit.rank:>3}. {unit.unit.name:<14} {unit.result.total:>7} 分{flag}")
            if args.explain:
                for r in unit.result.indicators:
                    print(f"        {r.explanation}")
    return 0


def register(add: AddCommand, subparsers: Any) -> None:
    scheme = add("scheme", lambda a: 0, "考核办法").add_subparsers(
        dest="scheme_command", metavar="子命令", required=True
    )
    load = add(
        "load", cmd_scheme_load, "载入考核办法（JSON，格式同 bangfu/data/assessment_2022.json）", scheme
    )
    load.add_argument("file")
    assess = add("assess", cmd_assess, "按考核办法计算各单位得分（中期），或发布并冻结")
    assess.add_argument("--year", type=int)
    assess.add_argument("--as-of", help="截至日期 YYYY-MM-DD")
    assess.add_argument("--explain", action="store_true", help="列出每一项得分的计分说明")
    assess.add_argument("--json", action="store_true")
    assess.add_argument("--publish", action="store_true", help="发布并冻结：以后修改数据不再影响已发布的得分")
    assess.add_argument("--title", help="发布时的名称")
