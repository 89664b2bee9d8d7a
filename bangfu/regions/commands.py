"""``bangfu region add|list|import``: paired areas (对口地区) and county lists."""

from __future__ import annotations

import argparse
from typing import Any

from bangfu.common.command_line import AddCommand, UserError, existing_file, print_json, setup_django


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


def register(add: AddCommand, subparsers: Any) -> None:
    region = add("region", lambda a: 0, "对口地区", subparsers).add_subparsers(
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
