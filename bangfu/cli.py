"""The ``bangfu`` command. Each subcommand parses its arguments, calls one service and reports.

The helpers here (``setup_django``, ``print_json``, ``existing_file``, ``parse_date_arg``, ``plan_for``,
``as_of_date``, ``org_by_name``, ``UserError``) are shared with the command modules of ``COMMAND_MODULES``.

User errors (missing or unreadable files, tables that cannot be read, refused imports) end with one
Chinese line on stderr and exit status 2; they never print a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bangfu import __version__
from bangfu.common.text import os_error_text

EXIT_USER_ERROR = 2

# Domains that contribute their own subcommands: each module has ``register(add, subparsers)`` where
# ``add(name, handler, help, parent=subparsers)`` adds a subcommand whose handler returns an exit code.
COMMAND_MODULES: tuple[str, ...] = (
    "bangfu.ledger.commands",
    "bangfu.assessment.commands",
    "bangfu.reports.commands",
    "bangfu.notifications.commands",
    "bangfu.backups.commands",
)


class UserError(Exception):
    """An error to show the user as one line, without a traceback."""


def setup_django(*, require_migrated: bool = True) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangfu.config.settings")
    import django

    django.setup()
    if require_migrated:
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise UserError("数据库尚未初始化或需要升级，请先运行：bangfu init")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def existing_file(path: str) -> Path:
    file = Path(path)
    if not file.exists():
        raise UserError(f"文件不存在：{path}")
    if not file.is_file():
        raise UserError(f"不是文件：{path}")
    return file


# --- init / demo / serve / manage -------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    setup_django(require_migrated=False)
    from django.conf import settings
    from django.core.management import call_command

    from bangfu.orgs.services import orgs_load_file
    from bangfu.regions.services import regions_seed

    call_command("migrate", interactive=False, verbosity=0)
    result = orgs_load_file(settings.BASE_DIR / "data" / "cixi_orgs.json")
    regions_seed()
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # statistics for the query planner (PostgreSQL: autovacuum)
            cursor.execute("ANALYZE")
    db = settings.DATABASES["default"]
    print(f"数据库已就绪：{db['ENGINE'].rsplit('.', 1)[-1]} {db.get('NAME')}")
    if result.created or result.groups_created:
        print(f"已载入单位 {len(result.created)} 个、单位组 {len(result.groups_created)} 个。")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    cmd_init(args)
    from bangfu.demo import demo_load

    for line in demo_load():
        print(line)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    setup_django()
    from waitress import serve

    from bangfu.backups.serving import DatabaseBusy, serving_lock
    from bangfu.common.supervise import Supervised
    from bangfu.config.wsgi import application

    try:
        # Held while serving, so that `bangfu restore` refuses to run under a live site.
        with serving_lock():
            worker = None
            if not args.no_worker:
                command = [sys.executable, "-m", "bangfu", "worker", "--exit-with", str(os.getpid())]
                worker = Supervised(command, name="后台任务进程").start()
            # SIGTERM (a service manager stopping us) ends the server like Ctrl+C: the worker stops too.
            signal.signal(signal.SIGTERM, signal.default_int_handler)
            print(f"bangfu 已启动：http://{args.host}:{args.port}/  （按 Ctrl+C 停止）", flush=True)
            try:
                serve(application, host=args.host, port=args.port, threads=args.threads, ident="bangfu")
            finally:
                if worker is not None:
                    worker.stop()
    except DatabaseBusy as exc:
        raise UserError(str(exc)) from exc
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run background jobs (previews and imports of uploaded files) until stopped."""
    setup_django()
    from django.core.management import call_command

    from bangfu.ledger.services.uploads import uploads_recover

    if args.exit_with:
        _exit_with(args.exit_with)
    recovered = uploads_recover()
    if recovered:
        print(f"{recovered} 个被中断的导入已标记为失败", file=sys.stderr, flush=True)
    call_command("db_worker", interval=args.interval, verbosity=0)
    return 0


def _exit_with(pid: int) -> None:
    """Stop (gracefully, as on SIGTERM) once process ``pid`` is gone — a worker started by a server that
    was killed must not live on."""
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(2)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            except PermissionError:
                continue

    threading.Thread(target=watch, name="exit-with-server", daemon=True).start()


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangfu.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["bangfu manage", *args.rest])
    return 0


# --- orgs -------------------------------------------------------------------------------------


def cmd_orgs_list(args: argparse.Namespace) -> int:
    setup_django()
    from bangfu.orgs.selectors import org_list

    orgs = list(org_list(kind=args.kind, active=None if args.all else True).prefetch_related("names"))
    if args.json:
        print_json(
            [
                {
                    "name": org.name,
                    "kind": org.kind,
                    "parent": org.parent.name if org.parent else None,
                    "active": org.active,
                    "needs_review": org.needs_review,
                    "aliases": sorted(n.name for n in org.names.all() if n.name != org.name),
                }
                for org in orgs
            ]
        )
        return 0
    for org in orgs:
        aliases = [n.name for n in org.names.all() if n.name != org.name]
        extra = f"  别名：{'、'.join(aliases)}" if aliases else ""
        flags = ("" if org.active else " [已撤销]") + (" [待核实]" if org.needs_review else "")
        parent = f"  上级：{org.parent.name}" if org.parent else ""
        print(f"{org.get_kind_display()}\t{org.name}{flags}{parent}{extra}")
    print(f"共 {len(orgs)} 个单位。")
    return 0


def cmd_orgs_load(args: argparse.Namespace) -> int:
    file = existing_file(args.file)
    setup_django()
    from bangfu.orgs.services import orgs_load_file

    try:
        result = orgs_load_file(file)
    except (ValueError, KeyError) as exc:
        what = f"缺少字段 {exc}" if isinstance(exc, KeyError) else "不是有效的 JSON 单位清单"
        raise UserError(f"无法读取单位清单 {file}：{what}（格式见 bangfu/data/cixi_orgs.json）") from exc
    print(
        f"新增单位 {len(result.created)} 个、别名 {result.names_added} 个、单位组 {len(result.groups_created)} 个。"
    )
    return 0


def org_by_name(name: str):
    from bangfu.orgs.models import Organisation
    from bangfu.orgs.selectors import org_name_index

    match = org_name_index().resolve(name)
    if match.ambiguous:
        raise UserError(f"单位名称“{name}”可能指多个单位，请写全称。")
    if match.key is None:
        raise UserError(f"找不到单位：{name}")
    return Organisation.objects.get(pk=match.key)


def parse_date_arg(text: str | None):
    import datetime as dt

    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise UserError(f"日期格式应为 YYYY-MM-DD：{text}") from exc


def cmd_orgs_change(args: argparse.Namespace) -> int:
    on = parse_date_arg(args.on)
    setup_django()
    from bangfu.orgs.services import OrgError, org_close, org_merge, org_rename

    org = org_by_name(args.name)
    try:
        if args.orgs_command == "rename":
            org_rename(org, new_name=args.new_name, on=on)
            print(f"已将“{args.name}”更名为“{args.new_name}”，原名称保留为曾用名。")
        elif args.orgs_command == "merge":
            into = org_by_name(args.into)
            org_merge(org, into=into, on=on)
            print(f"已将“{org.name}”并入“{into.name}”，其记录、目标和下属单位已转入。")
        else:
            org_close(org, on=on)
            print(f"已撤销“{org.name}”，其记录和历史保留。")
    except OrgError as exc:
        raise UserError(str(exc)) from exc
    return 0


# --- plan -------------------------------------------------------------------------------------


def _parse_plan(path: str, year: int | None, *, with_database: bool):
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


# --- regions --------------------------------------------------------------------------------


def cmd_region_add(args: argparse.Namespace) -> int:
    setup_django()
    from bangfu.regions.services import RegionError, region_add

    try:
        region, pairing = region_add(
            name=args.name, year=args.year, kind=args.kind, is_832=args.is_832 or None
        )
    except RegionError as exc:
        raise UserError(str(exc)) from exc
    years = (
        f"{pairing.year_from}年起" if pairing.year_to is None else f"{pairing.year_from}–{pairing.year_to}年"
    )
    print(f"对口地区：{region.full_name}（{pairing.get_kind_display()}，{years}）")
    return 0


def cmd_region_list(args: argparse.Namespace) -> int:
    setup_django()
    from bangfu.regions.selectors import region_list

    regions = list(region_list())
    if args.json:
        print_json(
            [
                {
                    "province": r.province,
                    "prefecture": r.prefecture,
                    "county": r.county,
                    "code": r.code,
                    "is_832": r.is_832,
                    "pairings": [
                        {"kind": p.kind, "year_from": p.year_from, "year_to": p.year_to}
                        for p in r.pairings.all()
                    ],
                }
                for r in regions
            ]
        )
        return 0
    for r in regions:
        pairings = "；".join(str(p) for p in r.pairings.all())
        print(f"{r.full_name}{'  [832]' if r.is_832 else ''}{'  ' + pairings if pairings else ''}")
    print(f"共 {len(regions)} 个地区。")
    return 0


def cmd_region_import(args: argparse.Namespace) -> int:
    file = existing_file(args.file)
    setup_django()
    from bangfu.regions.services import RegionError, regions_import

    try:
        result = regions_import(file, is_832=args.is_832, pair_year=args.pair_year)
    except RegionError as exc:
        raise UserError(str(exc)) from exc
    print(f"新增地区 {result.created} 个，更新 {result.updated} 个。")
    for line in result.unknown:
        print(f"  无法识别：{line}")
    return 0


# --- ledger ---------------------------------------------------------------------------------


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
    return 0


# --- progress -------------------------------------------------------------------------------


def plan_for(year: int | None):
    from bangfu.progress.selectors import plan_for_progress

    plan = plan_for_progress(year)
    if plan is None:
        raise UserError(
            f"没有{year}年的任务分解表，请先用 bangfu plan import 导入。" if year else "尚未导入任务分解表。"
        )
    return plan


def as_of_date(text: str | None, year: int):
    from bangfu.progress.rules import default_as_of

    as_of = parse_date_arg(text) if text else default_as_of(year)
    assert as_of is not None
    return as_of


def cmd_progress(args: argparse.Namespace) -> int:
    as_of_text = args.as_of
    parse_date_arg(as_of_text)
    setup_django()
    from bangfu.api.progress import progress_row
    from bangfu.progress.choices import Status
    from bangfu.progress.formats import achieved_text, rank_text, rate_text
    from bangfu.progress.selectors import progress_compute
    from bangfu.progress.services import progress_rules_ensure
    from bangfu.reports.progress_rows import xlsx_rows
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
    if args.xlsx:
        print(f"已写入 {args.xlsx}", file=sys.stderr if args.json else sys.stdout)
    return 0


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


# --- entry point ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bangfu", description="bangfu 消费帮扶工作管理系统")
    parser.add_argument("--version", action="version", version=f"bangfu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], int], help_text: str, parent=sub):
        p = parent.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    add("init", cmd_init, "创建或升级数据库，载入单位清单（可重复执行）")
    add("demo", cmd_demo, "载入种子任务分解表和演示数据（可重复执行）")
    serve = add("serve", cmd_serve, "启动网页服务")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--threads", type=int, default=8)
    serve.add_argument(
        "--no-worker", action="store_true", help="不启动后台任务进程（另行运行 bangfu worker 时）"
    )
    worker = add("worker", cmd_worker, "运行后台任务进程（分析和导入上传的文件）；bangfu serve 会自动启动它")
    worker.add_argument("--interval", type=float, default=1.0, help="空闲时查询新任务的间隔（秒）")
    worker.add_argument("--exit-with", type=int, metavar="PID", help=argparse.SUPPRESS)
    manage = add("manage", cmd_manage, "运行 Django 管理命令（如 createsuperuser）")
    manage.add_argument("rest", nargs=argparse.REMAINDER)

    orgs = add("orgs", lambda a: 0, "单位管理").add_subparsers(
        dest="orgs_command", metavar="子命令", required=True
    )
    orgs_list = add("list", cmd_orgs_list, "列出单位", orgs)
    orgs_list.add_argument("--kind", help="只列出某类单位，如 town、street、department")
    orgs_list.add_argument("--all", action="store_true", help="包括已撤销、已合并的单位")
    orgs_list.add_argument("--json", action="store_true")
    orgs_load = add("load", cmd_orgs_load, "载入单位清单（JSON，格式同 bangfu/data/cixi_orgs.json）", orgs)
    orgs_load.add_argument("file")

    rename = add("rename", cmd_orgs_change, "单位更名（原名称保留为曾用名）", orgs)
    rename.add_argument("name")
    rename.add_argument("new_name")
    merge = add("merge", cmd_orgs_change, "合并单位：记录、目标、下属单位转入目标单位", orgs)
    merge.add_argument("name")
    merge.add_argument("into")
    close = add("close", cmd_orgs_change, "撤销单位（记录和历史保留）", orgs)
    close.add_argument("name")
    for p in (rename, merge, close):
        p.add_argument("--on", help="生效日期 YYYY-MM-DD（默认今天）")

    plan = add("plan", lambda a: 0, "任务分解表").add_subparsers(
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
    region = add("region", lambda a: 0, "对口地区").add_subparsers(
        dest="region_command", metavar="子命令", required=True
    )
    region_add = add("add", cmd_region_add, "添加对口地区（县名全称或简称均可，如 布拖）", region)
    region_add.add_argument("name")
    region_add.add_argument("--year", type=int, help="适用年度（默认今年起长期有效）")
    region_add.add_argument(
        "--kind",
        default="east_west",
        choices=["east_west", "support", "cooperation", "mountain_sea"],
        help="结对类型：东西部协作 east_west（默认）、对口支援 support、对口合作 cooperation、山海协作 mountain_sea",
    )
    region_add.add_argument("--832", dest="is_832", action="store_true", help="同时标记为832平台县")
    region_list = add("list", cmd_region_list, "列出地区和结对关系", region)
    region_list.add_argument("--json", action="store_true")
    region_import = add(
        "import", cmd_region_import, "导入县名单（列：省、市（州）、县，可选“832”列）", region
    )
    region_import.add_argument("file")
    region_import.add_argument("--832", dest="is_832", action="store_true", help="名单中的县均为832平台县")
    region_import.add_argument("--pair-year", type=int, help="同时设为该年度的对口地区")

    ledger = add("ledger", lambda a: 0, "采购台账").add_subparsers(
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
    progress = add("progress", cmd_progress, "各目标、各单位的完成进度")
    progress.add_argument("--year", type=int, help="年度（默认最新的任务分解表）")
    progress.add_argument("--as-of", help="截至日期 YYYY-MM-DD（默认今天，不晚于年底）")
    progress.add_argument("--org", help="只看该单位及其属地单位")
    progress.add_argument(
        "--approved-only", action="store_true", help="只统计已审核的记录（首页和进度通报的正式数据）"
    )
    progress.add_argument("--json", action="store_true", help="输出 JSON")
    progress.add_argument("--xlsx", metavar="PATH", help="另存为可转发的 Excel 表")

    base = add("base", lambda a: 0, "基数（慰问品总额、职工人数、食堂预算）").add_subparsers(
        dest="base_command", metavar="子命令", required=True
    )
    base_imp = add("import", cmd_base_import, "导入基数表（.xlsx/.xls/.csv）", base)
    base_imp.add_argument("file")
    base_imp.add_argument("--year", type=int, help="年度（默认最新的任务分解表；表中有“年度”列时以列为准）")
    base_imp.add_argument("--org", help="表中新单位的上级单位（如市总工会）")

    reconcile = add("reconcile", cmd_reconcile, "核对单位报送的832平台采购与平台导出数据")
    reconcile.add_argument("--year", type=int)
    reconcile.add_argument("--as-of", help="截至日期 YYYY-MM-DD")
    reconcile.add_argument("--json", action="store_true")

    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(add, sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UserError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
