"""`bangfu backup` and `bangfu restore` as an office runs them: separate processes, each with its own data
directory and database, so a restore really lands in an empty database and nothing is shared in memory.

The SQLite tests run everywhere; the PostgreSQL test runs when the suite itself runs on PostgreSQL, in
scratch databases of its own (never the test database the suite is using).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from .tarballs import read_members, repack

SEED_PLAN = Path(settings.BASE_DIR) / "data" / "seeds" / "2022年慈溪市消费帮扶工作任务分解表.docx"
LEDGER = (
    "采购单位,采购日期,金额（元）,产地,订单号,渠道\n"
    "周巷镇,2022-03-01,1000000,布拖县,Z1,\n"
    "周巷镇,2022-04-01,500000,浙江省宁波市慈溪市,Z2,\n"
    "周巷镇中心小学,2022-05-01,200000,凉山州布拖县,Z3,\n"
    "市教育局,2022-05-10,30000,布拖县,J1,832平台\n"
    "周巷镇,2022-05-20,abc,布拖县,Z4,\n"  # a problem row: the import writes a report into MEDIA_ROOT
)
BASES = "单位名称,食堂采购预算（元）,是否有食堂\n市教育局,500000,是\n"
EVIDENCE = "evidence/2022/05/发票 扫描件.pdf"
EVIDENCE_BYTES = bytes(range(256)) * 64

# `python -m bangfu`, with the backup commands registered even before cli.COMMAND_MODULES lists them.
LAUNCHER = (
    "import sys\n"
    "from bangfu import cli\n"
    "if 'bangfu.backups.commands' not in cli.COMMAND_MODULES:\n"
    "    cli.COMMAND_MODULES = (*cli.COMMAND_MODULES, 'bangfu.backups.commands')\n"
    "sys.exit(cli.main(sys.argv[1:]))\n"
)

# Every line's figures straight from the selector the pages, exports and bulletins use.
FIGURES = """
import datetime as dt, json
from bangfu.common.command_line import setup_django
setup_django()
from bangfu.plans.models import Plan
from bangfu.progress.selectors import progress_compute
report = progress_compute(Plan.objects.get(year=2022), as_of=dt.date(2022, 6, 30))
print(json.dumps([
    {
        "target": line.target.pk,
        "orgs": list(line.result.spec.org_ids),
        "org": line.org_label,
        "achieved_fen": line.result.achieved_fen,
        "rate": None if line.result.rate is None else str(line.result.rate),
        "status": line.result.status,
        "records": line.result.records,
    }
    for line in report.lines
], ensure_ascii=False))
"""


@dataclass
class Site:
    """One installation: a data directory and the database its DATABASE_URL names."""

    home: Path
    database_url: str | None = None  # None: SQLite in BANGFU_HOME

    @property
    def env(self) -> dict[str, str]:
        env = {**os.environ, "BANGFU_HOME": str(self.home), "PYTHONWARNINGS": "ignore"}
        env.pop("DATABASE_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    @property
    def media(self) -> Path:
        return self.home / "media"

    def run(self, *argv: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-c", LAUNCHER, *argv],
            env=self.env,
            cwd=self.home.parent,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == code, f"bangfu {' '.join(argv)}\n{result.stdout}\n{result.stderr}"
        return result

    def refused(self, *argv: str) -> str:
        """A user error: exit status 2, nothing on stdout, one line on stderr and no traceback."""
        result = self.run(*argv, code=2)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        return lines[0]

    def figures(self) -> list[dict[str, Any]]:
        result = subprocess.run(
            [sys.executable, "-c", FIGURES], env=self.env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def progress_json(self) -> str:
        return self.run("progress", "--year", "2022", "--as-of", "2022-06-30", "--json").stdout


def build(site: Site) -> None:
    """A plan, a ledger import (with a problem-row report), a base value and an evidence file."""
    site.home.mkdir(parents=True, exist_ok=True)
    site.run("init")
    site.run("plan", "import", str(SEED_PLAN))
    ledger = site.home.parent / f"{site.home.name}-台账.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    site.run("ledger", "import", str(ledger))
    bases = site.home.parent / f"{site.home.name}-基数.csv"
    bases.write_text(BASES, encoding="utf-8")
    site.run("base", "import", str(bases), "--year", "2022")
    evidence = site.media / EVIDENCE
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(EVIDENCE_BYTES)


def media_files(site: Site) -> dict[str, bytes]:
    return {
        path.relative_to(site.media).as_posix(): path.read_bytes()
        for path in sorted(site.media.rglob("*"))
        if path.is_file()
    }


@dataclass
class Backup:
    site: Site
    archive: Path
    figures: list[dict[str, Any]]
    progress: str
    media: dict[str, bytes]


def back_up(site: Site, archive: Path) -> Backup:
    progress = site.progress_json()  # also saves the default counting rules, as any first look does
    figures = site.figures()
    out = site.run("backup", str(archive)).stdout
    assert f"已备份到 {archive}" in out and "采购记录 4" in out and "上传文件 2 个" in out
    return Backup(site, archive, figures, progress, media_files(site))


def assert_same_figures(backup: Backup, restored: Site) -> None:
    figures = restored.figures()
    assert figures == backup.figures
    assert restored.progress_json() == backup.progress
    assert media_files(restored) == backup.media
    assert media_files(restored)[EVIDENCE] == EVIDENCE_BYTES


@pytest.fixture(scope="module")
def sqlite_backup(tmp_path_factory) -> Backup:
    site = Site(tmp_path_factory.mktemp("source") / "home")
    build(site)
    backup = back_up(site, site.home.parent / "bangfu-备份.tar.gz")
    # The scenario is not vacuous: the lines that matter carry figures.
    town = next(line for line in backup.figures if line["org"] == "周巷镇")
    assert (town["achieved_fen"], town["rate"], town["status"], town["records"]) == (
        120_000_000,
        "0.4",
        "lagging",
        2,
    )
    canteen = next(line for line in backup.figures if line["org"] == "市教育局")
    assert (canteen["achieved_fen"], canteen["rate"], canteen["status"]) == (3_000_000, "0.6", "normal")
    assert any(name.startswith("import-reports/") for name in backup.media)
    return backup


# --- SQLite ---------------------------------------------------------------------------------------


def test_restore_into_an_empty_database_reproduces_every_figure(tmp_path, sqlite_backup):
    manifest = json.loads(read_members(sqlite_backup.archive)["manifest.json"])
    assert manifest["database"]["engine"] == "sqlite"
    assert manifest["database"]["file"] == "database/bangfu.sqlite3"
    assert manifest["counts"]["ledger.Purchase"] == 4 and manifest["counts"]["progress.BaseValue"] == 1
    assert "0001_initial" in manifest["migrations"]["ledger"]
    assert {f"media/{name}" for name in sqlite_backup.media} | {"database/bangfu.sqlite3"} == set(
        manifest["files"]
    )

    empty = Site(tmp_path / "empty")
    out = empty.run("restore", str(sqlite_backup.archive)).stdout
    assert "采购记录 4" in out and "上传文件 2 个" in out and "提示" not in out
    assert_same_figures(sqlite_backup, empty)
    assert not list(empty.home.glob(".bangfu-restore-*"))  # the staging folder is gone


def test_backup_is_refused_over_an_existing_file_unless_forced(tmp_path, sqlite_backup):
    site = sqlite_backup.site
    existing = tmp_path / "旧备份.tar.gz"
    existing.write_bytes(b"yesterday")
    line = site.refused("backup", str(existing))
    assert line == f"错误：文件已存在：{existing}（要覆盖请加 --force）"
    assert existing.read_bytes() == b"yesterday"

    site.run("backup", str(existing), "--force")
    assert "manifest.json" in read_members(existing)

    # A folder gets a dated file name: what a cron job wants.
    out = site.run("backup", str(tmp_path)).stdout
    (dated,) = tmp_path.glob("bangfu-*.tar.gz")
    assert str(dated) in out and not list(tmp_path.glob(".*partial"))

    line = site.refused("backup", str(tmp_path / "没有这个目录" / "x.tar.gz"))
    assert "目录不存在" in line
    line = Site(tmp_path / "not-initialised").refused("backup", str(tmp_path / "x.tar.gz"))
    assert line.startswith("错误：数据库文件不存在：")


def test_restore_refuses_a_database_that_holds_data_without_yes(tmp_path, sqlite_backup):
    target = Site(tmp_path / "in-use")
    target.home.mkdir()
    target.run("init")  # the shipped unit list: already data
    stray = target.media / "import-reports" / "旧报告.xlsx"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"old")

    line = target.refused("restore", str(sqlite_backup.archive))
    assert line.startswith("错误：目标数据库已有数据（单位 41") and line.endswith("确认后加 --yes 重新运行")
    assert "尚未导入任务分解表" in target.refused("progress")  # the database is as it was
    assert stray.read_bytes() == b"old" and not list(target.home.glob(".bangfu-restore-*"))

    out = target.run("restore", str(sqlite_backup.archive), "--yes").stdout
    (set_aside,) = target.home.glob("media.before-restore-*")
    assert f"原有上传文件已移到 {set_aside}" in out
    assert (set_aside / "import-reports" / "旧报告.xlsx").read_bytes() == b"old"  # moved, never deleted
    assert_same_figures(sqlite_backup, target)


def test_restore_refuses_a_damaged_archive(tmp_path, sqlite_backup):
    empty = Site(tmp_path / "empty")
    data = sqlite_backup.archive.read_bytes()
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(data[: len(data) // 3])
    assert "备份文件已损坏或不完整" in empty.refused("restore", str(truncated))

    def tamper(files: dict[str, bytes]) -> None:
        files[f"media/{EVIDENCE}"] = b"%PDF-1.4 forged"

    forged = repack(sqlite_backup.archive, tmp_path / "forged.tar.gz", members=tamper)
    line = empty.refused("restore", str(forged))
    assert line == f"错误：备份文件已损坏：media/{EVIDENCE} 的校验值与清单不符"

    line = empty.refused("restore", str(tmp_path / "没有.tar.gz"))
    assert "文件不存在" in line
    # Nothing was restored: the empty site is still empty.
    assert media_files(empty) == {} and not list(empty.home.glob(".bangfu-restore-*"))


def test_restore_refuses_a_backup_of_another_engine(tmp_path, sqlite_backup):
    def as_postgresql(manifest: dict[str, Any]) -> None:
        manifest["database"].update(engine="postgresql", file="database/bangfu.sqlite3")

    other = repack(sqlite_backup.archive, tmp_path / "pg.tar.gz", manifest=as_postgresql)
    line = Site(tmp_path / "empty").refused("restore", str(other))
    assert line.startswith("错误：这份备份来自 PostgreSQL 数据库，而当前配置的是 SQLite；")
    assert "DATABASE_URL" in line


def test_restore_refuses_a_backup_from_a_newer_version(tmp_path, sqlite_backup):
    def newer(manifest: dict[str, Any]) -> None:
        manifest["bangfu_version"] = "9.0"
        manifest["migrations"]["ledger"].append("0999_from_the_future")

    future = repack(sqlite_backup.archive, tmp_path / "future.tar.gz", manifest=newer)
    line = Site(tmp_path / "empty").refused("restore", str(future))
    assert "较新的 bangfu（9.0）" in line and "ledger.0999_from_the_future" in line and "先升级" in line


def test_a_backup_from_an_older_version_is_upgraded(tmp_path, sqlite_backup):
    # An older installation: a copy of the source whose schema lacks a migration the code has.
    old = Site(tmp_path / "old")
    shutil.copytree(sqlite_backup.site.home, old.home)
    old.run("manage", "migrate", "sessions", "zero")
    archive = tmp_path / "old.tar.gz"
    old.run("backup", str(archive))
    manifest = json.loads(read_members(archive)["manifest.json"])
    assert "sessions" not in manifest["migrations"]

    restored = Site(tmp_path / "restored")
    out = restored.run("restore", str(archive)).stdout
    assert "已把数据库升级到当前版本（1 个迁移）" in out
    assert "[X] 0001_initial" in restored.run("manage", "showmigrations", "sessions").stdout
    assert restored.figures() == sqlite_backup.figures


# --- PostgreSQL -----------------------------------------------------------------------------------


# --- a restore under a running site --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(site: Site) -> Iterator[subprocess.Popen[str]]:
    """``bangfu serve`` of ``site`` in its own process, answering before the block starts."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, "serve", "--port", str(port), "--threads", "2"],
        env=site.env,
        cwd=site.home.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "bangfu serve did not answer"
                time.sleep(0.2)
        yield server
    finally:
        if server.poll() is None:
            server.kill()
        server.communicate()


def test_restore_is_refused_while_bangfu_serve_runs_and_not_after_it_was_killed(tmp_path, sqlite_backup):
    import fcntl

    site = Site(tmp_path / "live")
    site.home.mkdir()
    site.run("init")
    with serving(site) as first, serving(site) as second:  # servers share the database
        line = site.refused("restore", str(sqlite_backup.archive), "--yes")
        assert line.startswith("错误：数据库 ") and "正由运行中的 bangfu serve" in line
        assert line.endswith("确需在服务运行时恢复，请加 --while-serving")
        assert "尚未导入任务分解表" in site.refused("progress")  # nothing was restored
        # The expert's override skips only this check (the next one, data already there, still holds).
        line = site.refused("restore", str(sqlite_backup.archive), "--while-serving")
        assert "目标数据库已有数据" in line
        for server in (first, second):  # a crash: no clean shutdown, nothing released by bangfu itself
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=30)
    # No server starts while a restore holds the lock …
    lock = os.open(site.home / "bangfu.sqlite3.serving", os.O_RDWR)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        line = site.refused("serve", "--port", str(_free_port()))
        assert line == f"错误：数据库 {site.home / 'bangfu.sqlite3'} 正在从备份恢复，请等恢复完成后再启动服务"
    finally:
        os.close(lock)
    # … and the killed servers' locks went with their processes: no stale lock blocks the restore.
    site.run("restore", str(sqlite_backup.archive), "--yes")
    assert_same_figures(sqlite_backup, site)


@pytest.fixture
def scratch_databases() -> Iterator[Callable[[str], str]]:
    """``make(purpose)`` → a DATABASE_URL for a new, empty database on the suite's PostgreSQL server;
    all of them are dropped afterwards."""
    import psycopg

    db = settings.DATABASES["default"]
    credentials = quote(str(db.get("USER") or ""), safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(str(db["PASSWORD"]), safe="")
    server = f"postgres://{credentials}@{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    names: list[str] = []
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:

        def make(purpose: str) -> str:
            name = f"bangfu_backup_{purpose}_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{name}"')
            names.append(name)
            return f"{server}/{name}"

        yield make
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.skipif(connection.vendor != "postgresql", reason="runs when the suite runs on PostgreSQL")
def test_postgresql_backup_restored_into_an_empty_database(tmp_path, scratch_databases, sqlite_backup):
    source = Site(tmp_path / "source", scratch_databases("src"))
    build(source)
    archive = tmp_path / "pg.tar.gz"
    backup = back_up(source, archive)
    manifest = json.loads(read_members(archive)["manifest.json"])
    assert manifest["database"]["engine"] == "postgresql"
    assert manifest["database"]["file"] == "database/bangfu.pgdump"
    assert manifest["counts"]["ledger.Purchase"] == 4
    assert backup.figures == sqlite_backup.figures  # same data, same figures on either engine

    empty = Site(tmp_path / "empty", scratch_databases("dst"))
    line = empty.refused("restore", str(sqlite_backup.archive))
    assert line.startswith("错误：这份备份来自 SQLite 数据库，而当前配置的是 PostgreSQL；")

    out = empty.run("restore", str(archive)).stdout
    assert "PostgreSQL" in out and "采购记录 4" in out
    assert_same_figures(backup, empty)

    line = empty.refused("restore", str(archive))
    assert "目标数据库已有数据" in line and "--yes" in line
    empty.run("restore", str(archive), "--yes")  # over itself: --clean drops and recreates everything
    assert_same_figures(backup, empty)
