"""``bangfu base import`` and ``bangfu reconcile``; :func:`plan_for` and :func:`as_of_date`, the one way a
command picks the plan and the "as of" date (``bangfu progress`` and ``bangfu bulletin`` are in
:mod:`bangfu.reports.commands`, which writes their workbooks)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from bangfu.common.command_line import (
    AddCommand,
    UserError,
    existing_file,
    parse_date_arg,
    print_json,
    setup_django,
)
from bangfu.orgs.commands import org_by_name


def plan_for(year: int | None) -> Any:
    """The plan of ``year`` (the latest without a year); a user error when there is none."""
    from bangfu.progress.selectors import plan_for_progress

    plan = plan_for_progress(year)
    if plan is None:
        raise UserError(
            f"没有{year}年的任务分解表，请先用 bangfu plan import 导入。" if year else "尚未导入任务分解表。"
        )
    return plan


def as_of_date(text: str | None, year: int) -> dt.date:
    """The date of ``--as-of``, or the default every channel shares (``progress.rules.default_as_of``)."""
    from bangfu.progress.rules import default_as_of

    as_of = parse_date_arg(text) if text else default_as_of(year)
    assert as_of is not None
    return as_of


def cmd_base_import(args: argparse.Namespace) -> int:
    file = existing_file(args.file)
    setup_django()
    from bangfu.progress.services import BaseImportError, bases_import

    year = args.year or plan_for(None).year
    org = org_by_name(args.org) if args.org else None
    try:
        result = bases_import(file, year=year, default_parent=org)
    except BaseImportError as exc:
        raise UserError(str(exc)) from exc
    print(f"已导入 {result.saved} 个单位的{year}年基数；未导入 {len(result.rejected)} 行。")
    if result.unrecognised:
        print(f"未识别的列（不导入）：{'、'.join(result.unrecognised)}")
    for reason in result.rejected:
        print(f"  {reason}")
    if result.created_orgs:
        print(f"新建并待核实的单位：{'、'.join(result.created_orgs)}")
    return 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    setup_django()
    from bangfu.common.money import format_yuan
    from bangfu.progress.reconciliation import reconciliation

    plan = plan_for(args.year)
    rows = reconciliation(year=plan.year, as_of=parse_date_arg(args.as_of))
    if args.json:
        print_json(
            [
                {
                    "org": row.org.name if row.org else None,
                    "matched": row.matched,
                    "matched_yuan": float(row.matched_fen) / 100,
                    "reported_only": row.reported_only,
                    "reported_only_yuan": float(row.reported_only_fen) / 100,
                    "platform_only": row.platform_only,
                    "platform_only_yuan": float(row.platform_only_fen) / 100,
                    "reported_only_ids": row.reported_only_ids,
                    "platform_only_ids": row.platform_only_ids,
                }
                for row in rows
            ]
        )
        return 0
    print("单位\t两边一致\t仅单位报送\t仅平台有")
    for row in rows:
        print(
            f"{row.org.name if row.org else '（未归属）'}\t{row.matched}笔 {format_yuan(row.matched_fen)}元\t"
            f"{row.reported_only}笔 {format_yuan(row.reported_only_fen)}元\t"
            f"{row.platform_only}笔 {format_yuan(row.platform_only_fen)}元"
        )
    return 0


def register(add: AddCommand, subparsers: Any) -> None:
    base = add("base", lambda a: 0, "基数（慰问品总额、职工人数、食堂预算）", subparsers).add_subparsers(
        dest="base_command", metavar="子命令", required=True
    )
    base_imp = add("import", cmd_base_import, "导入基数表（.xlsx/.xls/.csv）", base)
    base_imp.add_argument("file")
    base_imp.add_argument("--year", type=int, help="年度（默认最新的任务分解表；表中有“年度”列时以列为准）")
    base_imp.add_argument("--org", help="表中新单位的上级单位（如市总工会）")

    reconcile = add("reconcile", cmd_reconcile, "核对单位报送的832平台采购与平台导出数据", subparsers)
    reconcile.add_argument("--year", type=int)
    reconcile.add_argument("--as-of", help="截至日期 YYYY-MM-DD")
    reconcile.add_argument("--json", action="store_true")
