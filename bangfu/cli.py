"""The ``bangfu`` command: assembles the parser from the apps' ``commands.py`` and runs one subcommand.

Each app's ``commands.py`` has ``register(add, subparsers)`` and parses its arguments, calls one service
and reports; what they share (the one-line user error, Django set-up, JSON output, reading files and
dates) is :mod:`bangfu.common.command_line`. User errors end with one Chinese line on stderr and exit
status 2; they never print a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from bangfu import __version__
from bangfu.common.cli_language import cli_language_install
from bangfu.common.command_line import EXIT_USER_ERROR, Handler, UserError

# The apps that contribute subcommands, in the order ``bangfu --help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "bangfu.config.commands",
    "bangfu.orgs.commands",
    "bangfu.plans.commands",
    "bangfu.regions.commands",
    "bangfu.ledger.commands",
    "bangfu.reports.commands",
    "bangfu.progress.commands",
    "bangfu.assessment.commands",
    "bangfu.notifications.commands",
    "bangfu.backups.commands",
)


def build_parser() -> argparse.ArgumentParser:
    cli_language_install()
    parser = argparse.ArgumentParser(prog="bangfu", description="bangfu 消费帮扶工作管理系统")
    parser.add_argument("--version", action="version", version=f"bangfu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", required=True)

    def add(name: str, handler: Handler, help_text: str, parent: Any = sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

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
