"""``bangfu plan parse`` and ``bangfu plan import``: the yearly task table (任务分解表)."""

from __future__ import annotations

import argparse
from typing import Any

from bangfu.common.command_line import AddCommand, UserError, existing_file, print_json, setup_django


def _parse_plan(path: str, year: int | None, *, with_database: bool) -> Any:
    """Parse a task table; names with separators are kept whole as the database knows them (for an
    import) or, without a database, as the shipped unit list knows them (for ``plan parse``)."""
    from bangfu.plans.parsing import TableParseError, parse_table

    file = existing_file(path)
    try:
        if with_database:
            setup_django()
            from bangfu.plans.selectors import plan_parse_file

            return plan_parse_file(file, default_year=year)
        from bangfu.data import group_spellings
        from bangfu.plans.parsing.roles import multi_part_names

        return parse_table(file, default_year=year, known=multi_part_names(group_spellings()))
    except TableParseError as exc:
        raise UserError(str(exc)) from exc


def _print_lines(heading: str, lines: list[str]) -> None:
    if lines:
        print(heading)
        for line in lines:
            print(f"  {line}")


def _report_parsed(warnings: list[str], inferred: list[str]) -> None:
    """What the table lacks (warnings) and what was inferred rather than read, one line each."""
    _print_lines(f"警告：以下 {len(warnings)} 处未能识别，请核对后在网页上修改或补充：", warnings)
    _print_lines(f"说明：以下 {len(inferred)} 处由系统推断，请核对：", inferred)


def cmd_plan_parse(args: argparse.Namespace) -> int:
    parsed = _parse_plan(args.file, args.year, with_database=False)
    if args.json:
        print_json(parsed.to_dict())
        return 0
    print(f"{parsed.title}（{parsed.year or '年度未识别'}）")
    for task in parsed.tasks:
        print(f"{task.seq} {task.name}")
        for item in task.items:
            print(f"  {task.seq}.{item.seq} {item.content[:40]}")
            for label, names in (("牵头", item.lead), ("责任", item.responsible), ("配合", item.cooperating)):
                if names:
                    print(f"      {label}：{'、'.join(names)}")
            for target in item.targets:
                print(f"      目标：{target.kind} {target.value} {target.unit} → {'、'.join(target.orgs)}")
    _report_parsed(parsed.warnings(), parsed.inferences())
    return 0


def cmd_plan_import(args: argparse.Namespace) -> int:
    parsed = _parse_plan(args.file, args.year, with_database=True)
    from bangfu.plans.services import NO_YEAR, YEAR_TAKEN, PlanImportError, plan_import

    try:
        result = plan_import(parsed=parsed, year=args.year, replace=args.replace)
    except PlanImportError as exc:
        hint = {NO_YEAR: "请用 --year 指定年度。", YEAR_TAKEN: "如需用新表替换，请加 --replace。"}
        raise UserError(f"{exc}{hint.get(exc.reason, '')}") from exc
    plan = result.plan
    if result.unchanged:
        print(f"{plan.year}年任务分解表“{plan.title}”已导入过，内容未变。")
        return 0
    verb = "已替换" if result.replaced else "已导入"
    print(
        f"{verb}{plan.year}年任务分解表“{plan.title}”：{plan.tasks.count()} 项任务、"
        f"{result.item_count} 个工作事项、{result.target_count} 个目标。"
    )
    if result.kept:
        kept = "、".join(f"{number} 条{label}" for label, number in result.kept.items())
        print(f"原表事项和目标上的{kept}已随对应的新事项、新目标保留。")
    _print_lines(f"以下 {len(result.detached)} 处在新表中找不到对应的事项或目标：", result.detached)
    if result.created_orgs:
        print(f"以下 {len(result.created_orgs)} 个单位未在单位库中找到，已新建并标记为待核实：")
        for org in result.created_orgs:
            print(f"  {org.name}（{org.get_kind_display()}）")
    _report_parsed(result.warnings, result.inferred)
    return 0


def register(add: AddCommand, subparsers: Any) -> None:
    plan = add("plan", lambda a: 0, "任务分解表", subparsers).add_subparsers(
        dest="plan_command", metavar="子命令", required=True
    )
    parse = add("parse", cmd_plan_parse, "解析任务分解表但不保存", plan)
    parse.add_argument("file")
    parse.add_argument("--json", action="store_true", help="输出 JSON")
    parse.add_argument("--year", type=int, help="标题中没有年度时使用")
    imp = add("import", cmd_plan_import, "解析并保存任务分解表", plan)
    imp.add_argument("file")
    imp.add_argument("--year", type=int, help="年度（默认取自标题）")
    imp.add_argument("--replace", action="store_true", help="替换该年度已有的任务分解表")
