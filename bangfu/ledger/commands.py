"""`bangfu totals check` and `bangfu totals rebuild`: the running totals progress reads, against the
records they summarise."""

from __future__ import annotations

import argparse


def cmd_totals_check(args: argparse.Namespace) -> int:
    from bangfu.cli import print_json, setup_django

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
    from bangfu.cli import setup_django

    setup_django()
    from bangfu.ledger.totals import totals_rebuild

    rows = totals_rebuild()
    print(f"已按采购记录重新计算累计数：{rows} 行。")
    return 0


def register(add, subparsers) -> None:
    totals = add("totals", lambda a: 0, "采购累计数（进度按它计算）").add_subparsers(
        dest="totals_command", metavar="子命令", required=True
    )
    check = add("check", cmd_totals_check, "按采购记录核对累计数；有不一致时退出码为 1", totals)
    check.add_argument("--json", action="store_true")
    add("rebuild", cmd_totals_rebuild, "按采购记录重新计算全部累计数", totals)
