"""``bangfu progress``: every line's progress, as text, JSON or the progress workbook; ``bangfu bulletin``:
the monthly progress bulletin (进度通报) as Word and, optionally, Excel.

Both live here, not in ``progress``, because they write the reports' workbooks (``reports.rendering``),
and ``reports`` reads ``progress``, never the other way. Thin like every command: parse → selector →
render.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bangfu.common.command_line import AddCommand, UserError, parse_date_arg, print_json, setup_django
from bangfu.common.text import os_error_text
from bangfu.orgs.commands import org_by_name
from bangfu.progress.commands import as_of_date, plan_for


def _output(text: str, suffix: str, option: str) -> Path:
    path = Path(text)
    if path.suffix.lower() != suffix:
        raise UserError(f"{option} 应为 {suffix} 文件：{text}")
    if path.is_dir():
        raise UserError(f"{option} 指向的是目录：{text}")
    return path


def cmd_progress(args: argparse.Namespace) -> int:
    as_of_text = args.as_of
    parse_date_arg(as_of_text)
    setup_django()
    from bangfu.progress.selectors import progress_compute
    from bangfu.progress.services import progress_rules_ensure
    from bangfu.reports.progress_rows import progress_row, xlsx_rows
    from bangfu.reports.rendering.progress_xlsx import write_progress_xlsx

    plan = plan_for(args.year)
    progress_rules_ensure(plan)
    org_ids = None
    if args.org:
        from bangfu.orgs.selectors import org_subtree_ids

        org_ids = org_subtree_ids(org_by_name(args.org).pk)
    report = progress_compute(
        plan,
        as_of=as_of_date(as_of_text, plan.year),
        org_ids=org_ids,
        ranked=True,
        approved_only=True if args.approved_only else None,
    )
    if args.xlsx:
        path = Path(args.xlsx)
        try:
            write_progress_xlsx(
                path,
                title=f"{plan.title}完成进度",
                subtitle=f"截至 {report.as_of:%Y年%m月%d日}（金额单位：万元）",
                rows=xlsx_rows(report),
            )
        except OSError as exc:
            raise UserError(f"无法写入文件 {path}：{os_error_text(exc)}") from exc
    if args.json:
        print_json([progress_row(line) for line in report.lines])
    elif not args.xlsx:
        _print_progress(report)
    if args.xlsx:
        print(f"已写入 {args.xlsx}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _print_progress(report: Any) -> None:
    from bangfu.progress.choices import Status
    from bangfu.progress.formats import achieved_text, rank_text, rate_text

    print(f"{report.plan.title}  截至 {report.as_of:%Y-%m-%d}")
    current = None
    for line in report.lines:
        if line.item.pk != current:
            current = line.item.pk
            print(f"{line.item_code} {line.item.content[:36]}")
        result = line.result
        print(
            f"    {line.org_label[:18]:<18} 目标 {line.target.display_value:<10} "
            f"完成 {achieved_text(line):<18} 完成率 {rate_text(result.rate):>7}  "
            f"时序 {rate_text(result.expected):>6}  {Status(result.status).label} {rank_text(line)}"
        )


def cmd_bulletin(args: argparse.Namespace) -> int:
    docx_path = _output(args.out, ".docx", "--out")
    xlsx_path = _output(args.xlsx, ".xlsx", "--xlsx") if args.xlsx else None
    if args.issue is not None and args.issue < 1:
        raise UserError(f"期数应为正整数：{args.issue}")
    parse_date_arg(args.as_of)
    setup_django()
    from bangfu.progress.services import progress_rules_ensure
    from bangfu.reports.bulletin import bulletin_data
    from bangfu.reports.rendering.bulletin_chart import ChartFontMissing, town_chart_png
    from bangfu.reports.rendering.bulletin_content import CHART_CAPTION
    from bangfu.reports.rendering.bulletin_docx import write_bulletin_docx
    from bangfu.reports.rendering.bulletin_xlsx import write_bulletin_xlsx

    plan = plan_for(args.year)
    as_of = as_of_date(args.as_of, plan.year)
    if as_of.year != plan.year:
        raise UserError(f"截至日期 {as_of:%Y-%m-%d} 不在{plan.year}年内。")
    # As `bangfu progress` does, so that the bulletin's figures are that command's figures.
    progress_rules_ensure(plan)
    data = bulletin_data(plan, as_of=as_of, issue_no=args.issue)
    try:
        chart = (
            town_chart_png(data.towns, title=f"{CHART_CAPTION}（{data.as_of_text}）") if data.towns else None
        )
    except ChartFontMissing as exc:
        raise UserError(str(exc)) from exc
    written = []
    for path, write in (
        (docx_path, lambda p: write_bulletin_docx(p, data, chart_png=chart)),
        (xlsx_path, lambda p: write_bulletin_xlsx(p, data)),
    ):
        if path is None:
            continue
        try:
            write(path)
        except OSError as exc:
            raise UserError(f"无法写入文件 {path}：{exc.strerror or exc}") from exc
        written.append(path)
    print(f"{data.title}（{data.issue_text}，{data.as_of_text}）")
    for path in written:
        print(f"已写入 {path}")
    return 0


def register(add: AddCommand, subparsers: Any) -> None:
    progress = add("progress", cmd_progress, "各目标、各单位的完成进度", subparsers)
    progress.add_argument("--year", type=int, help="年度（默认最新的任务分解表）")
    progress.add_argument("--as-of", help="截至日期 YYYY-MM-DD（默认今天，不晚于年底）")
    progress.add_argument("--org", help="只看该单位及其属地单位")
    progress.add_argument(
        "--approved-only", action="store_true", help="只统计已审核的记录（首页和进度通报的正式数据）"
    )
    progress.add_argument("--json", action="store_true", help="输出 JSON")
    progress.add_argument("--xlsx", metavar="PATH", help="另存为可转发的 Excel 表")

    bulletin = add("bulletin", cmd_bulletin, "生成月度进度通报（Word，可另存 Excel）", subparsers)
    bulletin.add_argument("--year", type=int, help="年度（默认最新的任务分解表）")
    bulletin.add_argument("--as-of", help="截至日期 YYYY-MM-DD（默认今天，不晚于年底）")
    bulletin.add_argument("--out", required=True, metavar="FILE.docx", help="Word 文件路径")
    bulletin.add_argument("--xlsx", metavar="FILE.xlsx", help="另存为 Excel 文件（含图表）")
    bulletin.add_argument("--issue", type=int, metavar="N", help="期数（默认为截至日期的月份）")
