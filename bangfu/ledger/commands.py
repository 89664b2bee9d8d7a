"""``bangfu ledger import``: purchases from a ledger or a platform export; ``bangfu totals check`` and
``bangfu totals rebuild``: the running totals progress reads, against the records they summarise."""

from __future__ import annotations

import argparse
from typing import Any

from bangfu.common.command_line import AddCommand, UserError, existing_file, print_json, setup_django
from bangfu.orgs.commands import org_by_name


def cmd_ledger_import(args: argparse.Namespace) -> int:
    file = existing_file(args.file)
    setup_django()
    from bangfu.ledger.services import LedgerImportError, ledger_import

    org = org_by_name(args.org) if args.org else None
    try:
        summary = ledger_import(path=file, year=args.year, org=org, status=args.status, channel=args.channel)
    except LedgerImportError as exc:
        raise UserError(str(exc)) from exc
    if args.json:
        print_json(summary.to_dict())
        return 0
    _print_summary(summary)
    return 0


def _print_summary(summary: Any) -> None:
    from bangfu.common.money import format_yuan

    if summary.already_imported:
        print(summary.warnings[0])
    print(
        f"{summary.file}：共 {summary.rows} 行，导入 {summary.accepted} 条（{format_yuan(summary.total_fen)} 元），"
        f"拒绝 {summary.rejected} 条，重复 {summary.duplicates} 条，跳过 {summary.skipped} 条。"
    )
    if summary.reporting_org:
        source = "（由文件中的“填报单位”识别）" if summary.reporting_org_source == "file" else ""
        print(f"填报单位：{summary.reporting_org}{source}")
    if summary.channel.get("channel") and not summary.already_imported:
        print(f"采购渠道：{summary.channel['channel']}（{summary.channel['reason']}）")
    for sheet in summary.sheets:
        unknown = [m["header"] for m in sheet.get("mapping", []) if m["label"] == "未识别"]
        if unknown:
            print(f"工作表“{sheet['name']}”未识别的列（内容保留在原始值中，不导入）：{'、'.join(unknown)}")
    _print_follow_ups(summary)


def _print_follow_ups(summary: Any) -> None:
    """What the import completed, flagged, created or could not place, and where its problem rows are."""
    if summary.enriched:
        print(f"补全已有记录 {summary.enriched} 条（产地、渠道、供应商等，来自本文件）")
    if summary.flagged:
        print(
            f"待核查 {summary.flagged} 处（来源不一致、渠道与产地不符或金额异常），请在网页“数据核查”中处理"
        )
    if summary.report:
        print(f"问题行报告（含原始值和原因，可修改后重新导入）：{summary.report}")
    if summary.created_orgs:
        print(
            f"新建并待核实的采购单位 {len(summary.created_orgs)} 个：{'、'.join(summary.created_orgs[:20])}"
        )
    if summary.unassigned:
        print(f"未能归属到单位的采购单位 {len(summary.unassigned)} 个：{'、'.join(summary.unassigned[:20])}")
    for warning in summary.warnings if not summary.already_imported else []:
        print(f"提示：{warning}")


def cmd_totals_check(args: argparse.Namespace) -> int:
    setup_django()
    from bangfu.ledger.totals import totals_differences

    found = totals_differences()
    if args.json:
        print_json(
            {
                "differences": len(found),
                "rows": [
                    {"key": list(d.key), "stored": list(d.stored), "recomputed": list(d.recomputed)}
                    for d in found[:1000]
                ],
            }
        )
    elif found:
        print(f"累计数与采购记录不一致 {len(found)} 处：")
        for difference in found[:50]:
            print(f"  {difference.text()}")
        print("可运行 bangfu totals rebuild 按采购记录重新计算。")
    else:
        print("累计数与采购记录一致。")
    return 1 if found else 0


def cmd_totals_rebuild(args: argparse.Namespace) -> int:
    setup_django()
    from bangfu.ledger.totals import totals_rebuild

    rows = totals_rebuild()
    print(f"已按采购记录重新计算累计数：{rows} 行。")
    return 0


def register(add: AddCommand, subparsers: Any) -> None:
    ledger = add("ledger", lambda a: 0, "采购台账", subparsers).add_subparsers(
        dest="ledger_command", metavar="子命令", required=True
    )
    ledger_imp = add("import", cmd_ledger_import, "导入采购台账或平台导出（.xlsx/.xls/.csv）", ledger)
    ledger_imp.add_argument("file")
    ledger_imp.add_argument("--year", type=int, help="只接受该年度的记录")
    ledger_imp.add_argument("--org", help="填报单位：每一行都由该单位报送；采购单位为空的行记到该单位")
    ledger_imp.add_argument("--json", action="store_true", help="输出 JSON 摘要")
    ledger_imp.add_argument(
        "--channel",
        help="采购渠道（832平台、线下采购、展销会、电商平台、专柜、其他；832 即 832平台）：未注明渠道的行都按此计入",
    )
    ledger_imp.add_argument(
        "--status",
        default="approved",
        choices=["draft", "submitted", "approved"],
        help="导入记录的状态（命令行默认 approved，网页填报为 submitted）",
    )
    totals = add("totals", lambda a: 0, "采购累计数（进度按它计算）", subparsers).add_subparsers(
        dest="totals_command", metavar="子命令", required=True
    )
    check = add("check", cmd_totals_check, "按采购记录核对累计数；有不一致时退出码为 1", totals)
    check.add_argument("--json", action="store_true")
    add("rebuild", cmd_totals_rebuild, "按采购记录重新计算全部累计数", totals)
