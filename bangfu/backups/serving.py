"""Whether a ``bangfu serve`` is using the database: a restore must not pull the data out from under a
running site (pages would mix old and new data, and a SQLite file replaced under open connections can
be corrupted).

``bangfu serve`` holds a *shared* lock for as long as it runs; a restore takes the same lock
*exclusively*, without waiting. So any number of servers run side by side, a restore is refused while
one of them runs, and a server does not start during a restore. The operating system (SQLite) or the
database server (PostgreSQL) releases the lock when its holder ends in any way — a crash or ``kill -9``
leaves nothing stale behind:

- SQLite: ``flock`` on ``<database file>.serving`` beside the database file (so one database has one
  lock file whatever ``BANGFU_HOME`` each command was started with);
- PostgreSQL: a session-level advisory lock of the database, held on a connection of its own — it
  covers servers on other machines too.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; the check is then skipped
    fcntl = None  # type: ignore[assignment]

#: The advisory lock's key (PostgreSQL keys are per database): "bangfu" in ASCII.
ADVISORY_KEY = 0x62616E676675


class DatabaseBusy(Exception):
    """The lock is held the other way; the message is one Chinese line."""


@contextlib.contextmanager
def serving_lock() -> Iterator[None]:
    """Held by ``bangfu serve`` while it runs (shared: servers do not exclude each other)."""
    with _locked(exclusive=False):
        yield


@contextlib.contextmanager
def restore_lock() -> Iterator[None]:
    """Held by a restore while it changes the database; refused while a server holds its lock."""
    with _locked(exclusive=True):
        yield


@contextlib.contextmanager
def _locked(*, exclusive: bool) -> Iterator[None]:
    db = connections[DEFAULT_DB_ALIAS].settings_dict
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        with _advisory_lock(exclusive=exclusive):
            yield
        return
    path = _sqlite_lock_file(db)
    if path is None or fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseBusy(_busy_message(exclusive, str(db["NAME"]))) from None
        yield
    finally:
        os.close(fd)  # releases the lock


def _sqlite_lock_file(db: Mapping[str, Any]) -> Path | None:
    """``<database>.serving`` beside the SQLite file; None for an in-memory database."""
    name = str(db.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    return Path(name).resolve().with_name(Path(name).name + ".serving")


@contextlib.contextmanager
def _advisory_lock(*, exclusive: bool) -> Iterator[None]:
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with wrapper.cursor() as cursor:
            function = "pg_try_advisory_lock" if exclusive else "pg_try_advisory_lock_shared"
            cursor.execute(f"SELECT {function}(%s)", [ADVISORY_KEY])
            (acquired,) = cursor.fetchone()
        if not acquired:
            raise DatabaseBusy(_busy_message(exclusive, str(wrapper.settings_dict.get("NAME"))))
        try:
            yield
        finally:
            # Released now, not when the server notices the closed connection (which it does a moment
            # later: a restore tried right after a server stopped would find the lock still held).
            unlock = "pg_advisory_unlock" if exclusive else "pg_advisory_unlock_shared"
            with contextlib.suppress(Exception), wrapper.cursor() as cursor:
                cursor.execute(f"SELECT {unlock}(%s)", [ADVISORY_KEY])
    finally:
        wrapper.close()  # a process that dies without the above still releases its lock here


def _busy_message(exclusive: bool, name: str) -> str:
    if exclusive:
        return (
            f"数据库 {name} 正由运行中的 bangfu serve（或另一个恢复）使用，请先停止服务再恢复；"
            "确需在服务运行时恢复，请加 --while-serving"
        )
    return f"数据库 {name} 正在从备份恢复，请等恢复完成后再启动服务"
