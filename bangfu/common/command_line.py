"""What every ``bangfu`` subcommand shares: the one-line user error, Django set-up, JSON output, and
reading a file or a date from an argument. Domain apps' ``commands.py`` import from here (never from
``bangfu.cli``, which only assembles the parser).

User errors (missing or unreadable files, tables that cannot be read, refused imports) end with one
Chinese line on stderr and exit status :data:`EXIT_USER_ERROR`; they never print a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

EXIT_USER_ERROR = 2

Handler = Callable[[argparse.Namespace], int]


class AddCommand(Protocol):
    """``add(name, handler, help, parent=subparsers)``: adds a subcommand whose handler returns an exit
    code, and returns its parser. Each ``commands.py`` has ``register(add, subparsers)``."""

    def __call__(
        self, name: str, handler: Handler, help_text: str, parent: Any = ...
    ) -> argparse.ArgumentParser: ...


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


def parse_date_arg(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise UserError(f"日期格式应为 YYYY-MM-DD：{text}") from exc
