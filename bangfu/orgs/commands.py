"""``bangfu orgs list|load|rename|merge|close``, and :func:`org_by_name`, the one way a command reads a
unit named in an argument."""

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


def org_by_name(name: str) -> Any:
    """The unit an argument names (any of its spellings); a user error when none or several match."""
    from bangfu.orgs.models import Organisation
    from bangfu.orgs.selectors import org_name_index

    match = org_name_index().resolve(name)
    if match.ambiguous:
        raise UserError(f"单位名称“{name}”可能指多个单位，请写全称。")
    if match.key is None:
        raise UserError(f"找不到单位：{name}")
    return Organisation.objects.get(pk=match.key)


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


def register(add: AddCommand, subparsers: Any) -> None:
    orgs = add("orgs", lambda a: 0, "单位管理", subparsers).add_subparsers(
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
