"""Shared pieces of the benchmarks: realistic generated files, a fresh database per run, peak memory."""

from __future__ import annotations

import contextlib
import csv
import datetime
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PLATFORM_HEADER = [
    "订单编号",
    "下单时间",
    "采购单位",
    "商品名称",
    "供应商",
    "产地",
    "订单金额(元)",
    "订单状态",
]
PURCHASERS = [
    "慈溪市周巷镇人民政府", "慈溪市周巷镇中心小学", "慈溪市观海卫镇人民政府", "慈溪市龙山镇人民政府",
    "慈溪市人民医院", "慈溪市财政局", "慈溪市教育局食堂", "慈溪市总工会", "慈溪市坎墩街道办事处",
    "慈溪市第三人民医院", "慈溪中学", "慈溪市浒山街道社区卫生服务中心",
]  # fmt: skip
PRODUCTS = [
    ("布拖苦荞茶", "布拖县彝家苦荞有限公司", "四川省凉山彝族自治州布拖县"),
    ("布拖马铃薯 5kg", "布拖县农业发展有限公司", "四川省凉山彝族自治州布拖县"),
    ("布拖花椒 500g", "凉山州布拖县特产合作社", "凉山州布拖县"),
    ("黑山羊肉礼盒", "布拖县黑山羊养殖专业合作社", "布拖县"),
    ("昭觉荞麦面", "昭觉县农产品公司", "四川省凉山彝族自治州昭觉县"),
    ("雷波脐橙 10斤", "雷波县果业有限公司", "四川省凉山彝族自治州雷波县"),
]
STATUSES_DONE = ("交易成功", "已完成", "已收货")
STATUSES_CANCELLED = ("已取消", "退款成功", "交易关闭")


def platform_rows(rows: int, seed: int = 20220315):
    """Data rows of a platform order export: ~1% cancelled, 5% "1,280.00"-style amounts, a few blank
    and 合计 rows. Deterministic for a seed."""
    rng = random.Random(seed)
    start = datetime.datetime(2022, 1, 1, 8, 0, 0)
    for i in range(rows):
        roll = rng.random()
        if roll < 0.0005:
            yield []
            continue
        if roll < 0.001:
            yield ["合计", "", "", "", "", "", f"{rng.randint(10**5, 10**7)}.00", ""]
            continue
        product, supplier, origin = PRODUCTS[rng.randrange(len(PRODUCTS))]
        moment = start + datetime.timedelta(seconds=i * 30 + rng.randrange(30))
        cents = rng.randint(1_000, 2_000_000)
        amount = (
            f"{cents // 100:,}.{cents % 100:02d}"
            if rng.random() < 0.05
            else f"{cents // 100}.{cents % 100:02d}"
        )
        cancelled = rng.random() < 0.01
        status = STATUSES_CANCELLED[i % 3] if cancelled else STATUSES_DONE[i % 3]
        yield [
            f"2022{i:012d}",
            moment.strftime("%Y-%m-%d %H:%M:%S"),
            PURCHASERS[rng.randrange(len(PURCHASERS))],
            product,
            supplier,
            origin,
            amount,
            status,
        ]


def write_platform_csv(path: Path, rows: int, *, encoding: str = "gbk") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["脱贫地区农副产品网络销售平台（832平台）订单导出"])
        writer.writerow(PLATFORM_HEADER)
        writer.writerows(platform_rows(rows))
    return path


def write_platform_xlsx(path: Path, rows: int) -> Path:
    """The same export as an .xlsx (write-only openpyxl; amounts as numbers, as Excel would store them)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("订单")
    sheet.append(["脱贫地区农副产品网络销售平台（832平台）订单导出"])
    sheet.append(PLATFORM_HEADER)
    for row in platform_rows(rows, seed=20220601):
        if len(row) == 8 and row[0] != "合计":
            row = [*row[:6], float(row[6].replace(",", "")), row[7]]
        sheet.append(row)
    workbook.save(path)
    return path


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the database: SQLite by default, PostgreSQL when DATABASE_URL says so -----------------------------


def database_kind() -> str:
    """ "sqlite" unless ``DATABASE_URL`` names a PostgreSQL server (then "postgresql")."""
    scheme = urlsplit(os.environ.get("DATABASE_URL", "")).scheme
    return "postgresql" if scheme.startswith(("postgres", "pgsql")) else "sqlite"


def _server_url(database: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{database}"))


def _admin(sql: str) -> None:
    import psycopg

    server = urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres")
    with psycopg.connect(urlunsplit(server), autocommit=True) as conn:
        conn.execute(sql)


def pg_database_name(home: Path, label: str) -> str:
    """The bench database of ``home`` (one per kept home, so a kept run finds its database again)."""
    digest = hashlib.sha1(str(home.resolve()).encode()).hexdigest()[:10]
    return f"bangfu_bench_{label}_{digest}"


@contextlib.contextmanager
def bench_database(home: Path, label: str, *, keep: bool = False, fresh: bool = True) -> Iterator[str]:
    """The database of a bench run under ``home``. SQLite (no ``DATABASE_URL``): the file in ``home``.
    PostgreSQL: a database of its own on the ``DATABASE_URL`` server, created (dropped first if
    ``fresh``) and dropped at the end unless ``keep``; ``DATABASE_URL`` then names it, for this process
    and its workers. Yields "sqlite" or "postgresql"."""
    kind = database_kind()
    if kind == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        yield kind
        return
    server_url = os.environ["DATABASE_URL"]
    name = pg_database_name(home, label)
    if fresh:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = _server_url(name)
    try:
        yield kind
    finally:
        os.environ["DATABASE_URL"] = server_url
        if not keep:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_database_exists(home: Path, label: str) -> bool:
    import psycopg

    server = urlsplit(os.environ["DATABASE_URL"])._replace(path="/postgres")
    with psycopg.connect(urlunsplit(server), autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (pg_database_name(home, label),)
        ).fetchone()
    return found is not None


def setup_django(home: Path) -> None:
    """Django on ``home`` and the database ``DATABASE_URL`` names (SQLite in ``home`` without one)."""
    os.environ["BANGFU_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangfu.config.settings")
    import django

    django.setup()


def database_size_mib() -> float:
    """The size of the current database on disk: the SQLite file, or ``pg_database_size``."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0] / 2**20
    path = Path(settings.DATABASES["default"]["NAME"])
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20


def analyze() -> None:
    """Statistics, and the database as a server finds it after a while: on SQLite the write-ahead log
    folded into the file; on PostgreSQL vacuumed as autovacuum would (the visibility map lets the running
    totals be read by an index-only scan)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
            return
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def load_state() -> str:
    """The machine's load averages (1, 5, 15 minutes) at the time of a figure: the machine is shared."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def fresh_django(home: Path) -> None:
    """Point bangfu at the (empty) bench database — SQLite under ``home``, or the PostgreSQL database
    :func:`bench_database` made — migrate it and load the shipped data."""
    setup_django(home)
    from django.conf import settings
    from django.core.management import call_command

    from bangfu.orgs.services import orgs_load_file
    from bangfu.regions.services import regions_seed

    call_command("migrate", verbosity=0)
    orgs_load_file(settings.BASE_DIR / "data" / "cixi_orgs.json")
    regions_seed()


def run_worker(script: Path, *args: str) -> dict[str, Any]:
    """Run ``script --worker …`` in a fresh process (its own peak memory) and return its JSON line."""
    done = subprocess.run(
        [sys.executable, str(script), "--worker", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"worker failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
