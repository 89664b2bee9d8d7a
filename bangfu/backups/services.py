"""Backing up and restoring a bangfu installation: the database and the media folder in one archive.

Flow of ``backup_create``: dump the database (a consistent snapshot) beside the target → read the
applied migrations and the row counts of the key tables *from that same snapshot* → write the dump and
every media file into the archive, hashing as it goes → the manifest last → move into place.

Flow of ``backup_restore``: extract into a staging folder and verify every checksum → check that the
backup fits (same engine, no migrations this version does not know) → refuse a database that already
holds data unless asked → load the database → move the media in (the previous media set aside, never
deleted) → apply migrations, so a backup from an older version is upgraded.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from bangfu import __version__

from .archive import DATABASE_DIR, MEDIA_DIR, ArchiveError, ArchiveWriter, Manifest, archive_extract
from .databases import (
    POSTGRESQL_FILE,
    SQLITE_FILE,
    DatabaseCopyError,
    pg_dump,
    pg_restore,
    sqlite_copy,
    sqlite_load,
)
from .serving import DatabaseBusy, restore_lock

ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

# The tables whose row counts go into the manifest and decide whether a database "already holds data".
KEY_MODELS = (
    "auth.User",
    "orgs.Organisation",
    "regions.Pairing",
    "plans.Plan",
    "plans.Target",
    "ledger.ImportBatch",
    "ledger.Purchase",
    "progress.BaseValue",
    "activities.Activity",
    "activities.Evidence",
    "assessment.Scheme",
    "assessment.ScoreRun",
    "notifications.Reminder",
)


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is one Chinese line for the user."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    manifest: Manifest
    media_files: int
    skipped: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    counts: dict[str, int]
    media_files: int
    migrations_applied: list[str]
    media_set_aside: Path | None

    def differences(self) -> dict[str, tuple[int, int]]:
        """Key tables whose row count after the restore differs from the manifest: label → (then, now)."""
        return {
            label: (n, self.counts.get(label, 0))
            for label, n in self.manifest.counts.items()
            if label in KEY_MODELS and self.counts.get(label, 0) != n
        }


class _Cursor(Protocol):
    def execute(self, sql: str, /) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> Any: ...


# --- backup -------------------------------------------------------------------------------------


def backup_create(*, path: Path, overwrite: bool = False) -> BackupResult:
    """Writes one archive at ``path`` (or, when ``path`` is a folder, ``bangfu-<date-time>.tar.gz`` in
    it). Refuses to replace an existing file unless ``overwrite``."""
    vendor = _vendor()
    target = _archive_path(path)
    if target.exists() and not overwrite:
        raise BackupError(f"文件已存在：{target}（要覆盖请加 --force）")
    if not target.parent.is_dir():
        raise BackupError(f"目录不存在：{target.parent}")
    media = Path(settings.MEDIA_ROOT)
    db = connection.settings_dict
    try:
        # The dump is staged beside the archive (same disk), not in a possibly small /tmp.
        with tempfile.TemporaryDirectory(prefix=".bangfu-backup-", dir=target.parent) as staging:
            dump = Path(staging) / (SQLITE_FILE if vendor == "sqlite" else POSTGRESQL_FILE)
            snapshot = _sqlite_dump(db, dump) if vendor == "sqlite" else _postgresql_dump(db, dump)
            with ArchiveWriter(target, overwrite=overwrite) as writer:
                writer.add_file(f"{DATABASE_DIR}/{dump.name}", dump, mode=0o600)
                media_files, skipped = writer.add_tree(MEDIA_DIR, media, exclude=(target, Path(staging)))
                manifest = writer.finish(
                    Manifest(
                        bangfu_version=__version__,
                        created_at=timezone.localtime().isoformat(timespec="seconds"),
                        database={
                            "engine": vendor,
                            "file": f"{DATABASE_DIR}/{dump.name}",
                            "name": Path(str(db["NAME"])).name if vendor == "sqlite" else str(db["NAME"]),
                            **snapshot.details,
                        },
                        migrations=snapshot.migrations,
                        counts=snapshot.counts,
                    )
                )
    except (ArchiveError, DatabaseCopyError) as exc:
        raise BackupError(str(exc)) from exc
    except DatabaseError as exc:
        raise BackupError(f"无法读取数据库：{_first_line(exc)}") from exc
    except OSError as exc:
        raise BackupError(f"无法写入 {exc.filename or target}：{exc.strerror or exc}") from exc
    return BackupResult(
        path=target, size=target.stat().st_size, manifest=manifest, media_files=media_files, skipped=skipped
    )


def _archive_path(path: Path) -> Path:
    if path.is_dir():
        return path / f"bangfu-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"
    return path


@dataclass(frozen=True)
class _Snapshot:
    """What the dump holds: engine details for the manifest, applied migrations, key-table counts."""

    details: dict[str, str]
    migrations: dict[str, list[str]]
    counts: dict[str, int]


def _sqlite_dump(db: dict[str, Any], dump: Path) -> _Snapshot:
    """The online copy, then migrations and counts read from the copy itself."""
    details = sqlite_copy(str(db["NAME"]), dump)
    with closing(sqlite3.connect(dump)) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {name for (name,) in cursor.fetchall()}
        return _Snapshot(details, _migrations(cursor, tables), _counts(cursor, tables))


def _postgresql_dump(db: dict[str, Any], dump: Path) -> _Snapshot:
    """Counts, migrations and dump from one snapshot: a read-only REPEATABLE READ transaction on a
    connection of its own exports its snapshot, and ``pg_dump`` dumps exactly that snapshot."""
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with wrapper.cursor() as cursor:  # Django connects in autocommit; the transaction is explicit
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot_id, server_version = cursor.fetchone()
            tables = set(wrapper.introspection.table_names(cursor))
            migrations, counts = _migrations(cursor, tables), _counts(cursor, tables)
            details = pg_dump(db, dump, snapshot=snapshot_id)
            cursor.execute("ROLLBACK")
    finally:
        wrapper.close()
    return _Snapshot({"server_version": server_version, **details}, migrations, counts)


def _migrations(cursor: _Cursor, tables: set[str]) -> dict[str, list[str]]:
    """Applied migrations per app, in the order they were applied."""
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    return migrations


def _counts(cursor: _Cursor, tables: set[str]) -> dict[str, int]:
    counts = {}
    for label in KEY_MODELS:
        table = apps.get_model(label)._meta.db_table
        if table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[label] = int(cursor.fetchone()[0])
    return counts


# --- restore ------------------------------------------------------------------------------------


def backup_restore(*, path: Path, replace_data: bool = False, while_serving: bool = False) -> RestoreResult:
    """Restores the archive at ``path`` into the configured database and media folder. Refuses a
    database that already holds data unless ``replace_data``, and one that a running ``bangfu serve``
    uses unless ``while_serving`` (see :mod:`.serving`)."""
    vendor = _vendor()
    try:
        with contextlib.nullcontext() if while_serving else restore_lock():
            return _restore(path=path, vendor=vendor, replace_data=replace_data)
    except DatabaseBusy as exc:
        raise BackupError(str(exc)) from exc


def _restore(*, path: Path, vendor: str, replace_data: bool) -> RestoreResult:
    media = Path(settings.MEDIA_ROOT)
    try:
        media.parent.mkdir(parents=True, exist_ok=True)
        # Staged beside the media folder, so that moving the files in is a rename on the same disk.
        with tempfile.TemporaryDirectory(prefix=".bangfu-restore-", dir=media.parent) as staging:
            manifest = archive_extract(path, Path(staging))
            _check_fits(manifest, vendor)
            if not replace_data:
                _check_empty()
            dump = Path(staging) / manifest.database_file
            connections.close_all()
            if vendor == "sqlite":
                sqlite_load(dump, str(connection.settings_dict["NAME"]))
            else:
                pg_restore(connection.settings_dict, dump)
            connections.close_all()
            set_aside = _media_replace(Path(staging) / MEDIA_DIR, media)
    except (ArchiveError, DatabaseCopyError) as exc:
        raise BackupError(str(exc)) from exc
    except DatabaseError as exc:
        raise BackupError(f"无法访问数据库：{_first_line(exc)}") from exc
    except OSError as exc:
        raise BackupError(f"恢复时无法读写 {exc.filename or path}：{exc.strerror or exc}") from exc
    applied = _migrate()
    return RestoreResult(
        manifest=manifest,
        counts=data_counts(),
        media_files=len(manifest.media_files),
        migrations_applied=applied,
        media_set_aside=set_aside,
    )


def _check_fits(manifest: Manifest, vendor: str) -> None:
    if manifest.engine != vendor:
        theirs = ENGINES.get(manifest.engine, manifest.engine)
        hint = (
            "请把 DATABASE_URL 设为一个空的 PostgreSQL 数据库（postgres://…）"
            if manifest.engine == "postgresql"
            else "请让 DATABASE_URL 指向 SQLite（sqlite:///路径/bangfu.sqlite3，或不设置）"
        )
        raise BackupError(f"这份备份来自 {theirs} 数据库，而当前配置的是 {ENGINES[vendor]}；{hint}后再恢复")
    unknown = _unknown_migrations(manifest.migrations)
    if unknown:
        raise BackupError(
            f"这份备份来自较新的 bangfu（{manifest.bangfu_version}），含本版本没有的数据库迁移 "
            f"{unknown[0]}{' 等' if len(unknown) > 1 else ''}；请先升级 bangfu 再恢复"
        )


def _unknown_migrations(applied: dict[str, list[str]]) -> list[str]:
    """Migrations the backup had applied that this code does not have (a backup from a newer version).
    Apps this code no longer has, and migrations folded into a squashed one, do not count."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    return [
        f"{app}.{name}"
        for app, names in applied.items()
        if app in loader.migrated_apps
        for name in names
        if (app, name) not in known
    ]


def data_counts() -> dict[str, int]:
    """Row counts of the key tables in the configured database (tables not yet created are left out)."""
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        return _counts(cursor, tables)


def _check_empty() -> None:
    counts = {label: n for label, n in data_counts().items() if n}
    if counts:
        raise BackupError(
            f"目标数据库已有数据（{counts_text(counts)}）；恢复会用备份替换这些数据，确认后加 --yes 重新运行"
        )


def model_name(label: str) -> str:
    """``"ledger.Purchase"`` → ``采购记录`` (a label this version does not know stays as it is)."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def counts_text(counts: dict[str, int]) -> str:
    """``{"orgs.Organisation": 41, …}`` → ``单位 41、…`` in the order of ``KEY_MODELS``; zeros left out."""
    return "、".join(f"{model_name(label)} {counts[label]}" for label in KEY_MODELS if counts.get(label))


def _media_replace(staged: Path, media: Path) -> Path | None:
    """Moves the restored media into ``media``. Anything already there is moved to a sibling folder
    ``media.before-restore-<date-time>`` rather than deleted."""
    set_aside = None
    existing = sorted(media.iterdir()) if media.is_dir() else []
    if existing:
        set_aside = media.with_name(f"{media.name}.before-restore-{timezone.localtime():%Y%m%d-%H%M%S}")
        set_aside.mkdir()
        _move_all(existing, set_aside)
    media.mkdir(parents=True, exist_ok=True)
    restored = sorted(staged.iterdir()) if staged.is_dir() else []
    _move_all(restored, media)
    return set_aside


def _move_all(entries: Iterable[Path], into: Path) -> None:
    for entry in entries:
        shutil.move(entry, into / entry.name)


def _migrate() -> list[str]:
    """Applies the migrations the restored database lacks; returns their names."""
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        call_command("migrate", interactive=False, verbosity=0)
    except DatabaseError as exc:
        raise BackupError(f"数据已恢复，但升级数据库失败：{_first_line(exc)}；请运行 bangfu init") from exc
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


# --- shared -------------------------------------------------------------------------------------


def _vendor() -> str:
    if connection.vendor not in ENGINES:
        raise BackupError(f"不支持备份 {connection.vendor} 数据库，只支持 SQLite 和 PostgreSQL")
    return connection.vendor


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:.1f} {unit}"
