"""``bangfu bulletin``: the monthly progress bulletin (进度通报) as Word and, optionally, Excel.

Registered through ``bangfu.cli.COMMAND_MODULES``; thin like every command: parse → selector → render.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bangfu.cli import UserError, as_of_date, parse_date_arg, plan_for, setup_django


def _output(text: str, suffix: str, option: str) -> Path:
    path = Path(text)
    if path.suffix.lower() != suffix:
        raise UserError(f"{option} 应为 {suffix} 文件：{text}")
    if path.is_dir():
        raise UserError(f"{option} 指向的是目录：{text}")
    return path


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


def register(add: Callable[..., Any], subparsers: Any) -> None:
    bulletin = add("bulletin", cmd_bulletin, "生成月度进度通报（Word，可另存 Excel）", subparsers)
    bulletin.add_argument("--year", type=int, help="年度（默认最新的任务分解表）")
    bulletin.add_argument("--as-of", help="截至日期 YYYY-MM-DD（默认今天，不晚于年底）")
    bulletin.add_argument("--out", required=True, metavar="FILE.docx", help="Word 文件路径")
    bulletin.add_argument("--xlsx", metavar="FILE.xlsx", help="另存为 Excel 文件（含图表）")
    bulletin.add_argument("--issue", type=int, metavar="N", help="期数（默认为截至日期的月份）")
