"""Shared pieces of the benchmarks: realistic generated files, a fresh database per run, peak memory."""

from __future__ import annotations

import csv
import datetime
import json
import os
import random
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def fresh_django(home: Path) -> None:
    """Point bangfu at an empty SQLite database under ``home``, migrate it and load the shipped data."""
    os.environ["BANGFU_HOME"] = str(home)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangfu.config.settings")
    import django

    django.setup()
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
