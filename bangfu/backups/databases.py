"""Copying a whole database out to one file and back, per engine.

SQLite uses the online backup API (``sqlite3.Connection.backup``): a consistent copy taken inside one
read transaction, safe while the app is writing (WAL lets the writer carry on). PostgreSQL uses the
client tools ``pg_dump --format=custom`` and ``pg_restore``; the connection parameters come from Django's
``DATABASES`` setting and the password travels in the child's ``PGPASSWORD``, never on the command line.

No models here: these functions take a settings dict (``DATABASES["default"]``) and paths.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Mapping, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from django.db.backends.postgresql.client import DatabaseClient

SQLITE_FILE = "bangfu.sqlite3"
POSTGRESQL_FILE = "bangfu.pgdump"


class DatabaseCopyError(Exception):
    """A dump or restore failed; the message is one line for the user."""


# --- SQLite -------------------------------------------------------------------------------------


def sqlite_copy(source: str, target: Path) -> dict[str, str]:
    """A consistent copy of the SQLite database ``source`` into the new file ``target``, made
    self-contained (no WAL side files) and checked. Returns details for the manifest."""
    if not Path(source).is_file():
        raise DatabaseCopyError(f"数据库文件不存在：{source}")
    try:
        with closing(sqlite3.connect(source, timeout=20)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)  # all pages in one step: one read transaction, one snapshot
            dst.execute("PRAGMA journal_mode=DELETE")
            (check,) = dst.execute("PRAGMA quick_check").fetchone()
    except sqlite3.Error as exc:
        raise DatabaseCopyError(f"无法复制数据库 {source}：{exc}") from exc
    if check != "ok":
        raise DatabaseCopyError(f"数据库 {source} 的完整性检查未通过：{check}")
    return {"sqlite_version": sqlite3.sqlite_version}


def sqlite_load(source: Path, target: str) -> None:
    """Replaces the contents of the SQLite database ``target`` with the copy ``source`` through the
    backup API (which also clears ``target``'s WAL). Django's connections must be closed first."""
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target, timeout=20)) as dst:
            # Out of WAL first: the backup API cannot write into a WAL database of another page size,
            # and the switch fails fast if another process still has the database open.
            dst.execute("PRAGMA journal_mode=DELETE")
            src.backup(dst)
    except sqlite3.OperationalError as exc:
        raise DatabaseCopyError(
            f"无法写入数据库文件 {target}：{exc}（如果 bangfu 服务正在运行，请先停止）"
        ) from exc
    except sqlite3.Error as exc:
        raise DatabaseCopyError(f"无法写入数据库文件 {target}：{exc}") from exc


# --- PostgreSQL ---------------------------------------------------------------------------------


def pg_dump(db: Mapping[str, Any], target: Path, *, snapshot: str | None = None) -> dict[str, str]:
    """``pg_dump --format=custom`` of the configured database into ``target``. With ``snapshot`` (from
    ``pg_export_snapshot()`` in an open transaction) the dump sees exactly what that transaction sees."""
    args = ["--format=custom", f"--file={target}", "--no-password"]
    if snapshot:
        args.append(f"--snapshot={snapshot}")
    _run_pg("pg_dump", db, [*args, *_connection_args(db), _dbname(db)])
    return {"dump_tool": _version("pg_dump")}


def pg_restore(db: Mapping[str, Any], source: Path) -> None:
    """Restores the custom-format dump ``source`` into the configured database: existing objects of the
    dump are dropped first (``--clean --if-exists``), ownership and grants are left to the connecting
    role (``--no-owner --no-acl``), and it is one transaction, so a failure changes nothing."""
    _run_pg(
        "pg_restore",
        db,
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--no-password",
            *_connection_args(db),
            f"--dbname={_dbname(db)}",
            str(source),
        ],
    )


def _dbname(db: Mapping[str, Any]) -> str:
    if not db.get("NAME"):
        raise DatabaseCopyError("DATABASE_URL 中没有数据库名")
    return str(db["NAME"])


def _connection_args(db: Mapping[str, Any]) -> list[str]:
    args = []
    if db.get("HOST"):
        args.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        args.append(f"--port={db['PORT']}")
    if db.get("USER"):
        args.append(f"--username={db['USER']}")
    return args


def pg_environment(db: Mapping[str, Any]) -> dict[str, str]:
    """The child environment: ours plus the password and TLS options as libpq variables, exactly as
    Django's ``dbshell`` passes them."""
    _args, extra = DatabaseClient.settings_to_cmd_args_env({**db, "OPTIONS": db.get("OPTIONS") or {}}, [])
    return {**os.environ, **(extra or {}), "PGAPPNAME": "bangfu-backup"}


def _run_pg(tool: str, db: Mapping[str, Any], args: Sequence[str]) -> None:
    try:
        result = subprocess.run(
            [tool, *args], env=pg_environment(db), capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise DatabaseCopyError(
            f"找不到 {tool}：请安装 PostgreSQL 客户端工具（版本不低于数据库服务器），并确保它在 PATH 中"
        ) from exc
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower() or "错误" in line]
        detail = (errors or lines or [f"退出码 {result.returncode}"])[0]
        raise DatabaseCopyError(f"{tool} 失败：{detail}")


def _version(tool: str) -> str:
    try:
        return subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
