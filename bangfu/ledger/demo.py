"""Realistic demo ledgers: each town's monthly ledger, sent early in the next month as offices do, and
one 832-platform export that overlaps them.

Pure Python (no Django): deterministic for a seed, so `bangfu demo` writes the same files every time
and importing them again changes nothing. The data carry what real files carry: title rows, 万元
columns, mixed date forms, products of 布拖县 (苦荞, 马铃薯, 花椒, 黑山羊, 附子 …) and some ineligible
ones (local products, another county), cancelled orders, a 合计 row, and orders that appear in both a
town's ledger and the platform export. Each monthly file says the day it reached the office
(:func:`arrival_day`): most towns report by the 5th, the laggards later, one skips two months and
catches up — so the reporting calendar's on-time figures are those of a real year.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bangfu.common.files import atomic_path

BUTUO_PRODUCTS = (
    ("布拖苦荞茶", "布拖县彝家苦荞有限公司", "四川省凉山彝族自治州布拖县", "盒"),
    ("苦荞米", "布拖县农业发展有限公司", "凉山州布拖县", "袋"),
    ("布拖马铃薯", "布拖县马铃薯专业合作社", "布拖县", "箱"),
    ("布拖花椒", "布拖县特产合作社", "四川凉山布拖", "斤"),
    ("黑山羊肉礼盒", "布拖县黑山羊养殖专业合作社", "布拖县", "盒"),
    ("附子片", "布拖县中药材合作社", "布拖", "斤"),
    ("高原蜂蜜", "布拖县彝家苦荞有限公司", "四川省凉山州布拖县", "瓶"),
)
OTHER_PRODUCTS = (
    ("慈溪杨梅", "慈溪市本地果园", "浙江省宁波市慈溪市", "箱"),
    ("昭觉荞麦面", "昭觉县农产品公司", "四川省凉山彝族自治州昭觉县", "袋"),
)
# (town, its own ledger's share of its target) — some towns ahead, some behind, as in a real year.
TOWNS = (
    ("周巷镇", 3_000_000, 0.95), ("观海卫镇", 3_000_000, 0.70), ("龙山镇", 3_000_000, 0.55),
    ("古塘街道", 2_500_000, 1.05), ("宗汉街道", 2_500_000, 0.60), ("横河镇", 2_500_000, 0.40),
    ("浒山街道", 1_500_000, 0.90), ("白沙路街道", 1_500_000, 0.80), ("坎墩街道", 1_500_000, 0.50),
    ("逍林镇", 1_500_000, 0.75), ("掌起镇", 1_500_000, 0.30), ("附海镇", 1_500_000, 0.65),
    ("桥头镇", 1_500_000, 0.85), ("胜山镇", 1_500_000, 0.45), ("新浦镇", 1_500_000, 0.70),
    ("匡堰镇", 1_500_000, 0.20), ("长河镇", 1_500_000, 0.60), ("慈溪高新区管委会", 500_000, 0.80),
)  # fmt: skip
BUYERS = ("人民政府", "总工会", "中心小学食堂", "卫生院食堂", "社区居委会")
AS_OF = dt.date(2022, 12, 31)
#: Towns that report late (after the 5th) more often than not; 匡堰镇 also skips July and August and
#: sends them with September's ledger.
LATE_TOWNS = frozenset({"横河镇", "掌起镇", "匡堰镇", "胜山镇"})
SKIPPED = {"匡堰镇": {7: 9, 8: 9}}
#: The town whose monthly ledgers are Excel workbooks (the demo reporter's); the others send the CSV
#: their bookkeeping software exports — faster to import, so `bangfu demo` stays quick.
EXCEL_TOWN = "周巷镇"


@dataclass(frozen=True)
class DemoPurchase:
    order_no: str
    date: dt.date
    purchaser: str
    product: str
    supplier: str
    origin: str
    unit: str
    quantity: int
    yuan: Decimal
    cancelled: bool = False


def _date_forms(rng: random.Random, day: dt.date) -> object:
    """Offices write dates every which way."""
    return rng.choice(
        [
            day,
            day.strftime("%Y.%-m.%-d"),
            f"{day.year}年{day.month}月{day.day}日",
            day.strftime("%Y/%m/%d"),
            day.strftime("%Y%m%d"),
        ]
    )


def town_purchases(seed: int = 2022) -> dict[str, list[DemoPurchase]]:
    """Each town's purchases for January–December 2022."""
    rng = random.Random(seed)
    ledgers: dict[str, list[DemoPurchase]] = {}
    for number, (town, target_yuan, share) in enumerate(TOWNS):
        goal = Decimal(target_yuan) * Decimal(str(share))
        spent = Decimal(0)
        rows: list[DemoPurchase] = []
        while spent < goal:
            product, supplier, origin, unit = rng.choice(
                BUTUO_PRODUCTS if rng.random() > 0.08 else OTHER_PRODUCTS
            )
            yuan = Decimal(rng.randrange(2_000_00, 60_000_00, 50)) / 100
            day = dt.date(2022, 1, 1) + dt.timedelta(
                days=rng.randrange((AS_OF - dt.date(2022, 1, 1)).days + 1)
            )
            buyer = town + (rng.choice(BUYERS) if town != "慈溪高新区管委会" else "")
            rows.append(
                DemoPurchase(
                    order_no=f"ZX{number:02d}{len(rows):04d}",
                    date=day,
                    purchaser=buyer,
                    product=product,
                    supplier=supplier,
                    origin=origin,
                    unit=unit,
                    quantity=rng.randrange(10, 400),
                    yuan=yuan,
                    cancelled=rng.random() < 0.02,
                )
            )
            if not rows[-1].cancelled and "布拖" in origin:
                spent += yuan
        ledgers[town] = sorted(rows, key=lambda p: p.date)
    return ledgers


def _channel(rng: random.Random, purchaser: str) -> str:
    """Canteens buy on the 832 platform; others at fairs, counters, online or offline."""
    if purchaser.endswith("食堂"):
        return "832平台"
    return rng.choice(["线下采购", "展销会", "电商平台", "消费帮扶专柜", "832平台"])


def arrival_day(town: str, month: int, seed: int = 5) -> dt.date:
    """The day a town's ledger of ``month`` reached the office: by the 5th of the next month for most,
    often later for :data:`LATE_TOWNS`; a skipped month arrives with a later month's ledger."""
    rng = random.Random(f"{seed}-{town}-{month}")
    sent_with = SKIPPED.get(town, {}).get(month, month)
    first = dt.date(2022 + sent_with // 12, sent_with % 12 + 1, 1)
    late = town in LATE_TOWNS and rng.random() < 0.6
    return first + dt.timedelta(days=rng.randrange(5, 12) if late else rng.randrange(0, 5))


@dataclass(frozen=True)
class MonthlyLedger:
    town: str
    month: int
    path: Path
    arrived: dt.date


def _rows(
    town: str, month: int, purchases: list[DemoPurchase], rng: random.Random, *, wan: bool
) -> list[list]:
    unit = "万元" if wan else "元"
    rows: list[list] = [
        [f"{town}2022年{month}月消费帮扶采购台账"],
        [f"填报单位（盖章）：{town}", None, None, None, None, None, f"单位：{unit}"],
        ["序号", "采购单位", "采购日期", "商品名称", "供应商", "产地", "数量", "单位", f"金额（{unit}）", "采购渠道",
         "订单号", "备注"],
    ]  # fmt: skip
    total = Decimal(0)
    for index, p in enumerate(purchases, start=1):
        amount = p.yuan / 10_000 if wan else p.yuan
        rows.append(
            [index, p.purchaser, _date_forms(rng, p.date), p.product, p.supplier, p.origin, p.quantity, p.unit,
             amount, _channel(rng, p.purchaser), p.order_no, "已取消" if p.cancelled else None]
        )  # fmt: skip
        total += amount if not p.cancelled else 0
    rows.append([None, "合计", None, None, None, None, None, None, total, None, None])
    rows.append([f"备注：金额单位为{unit}；已取消订单不计入。"])
    return rows


def write_town_ledger(
    folder: Path, town: str, month: int, purchases: list[DemoPurchase], seed: int = 7
) -> Path:
    """A town's ledger of one month as an office sends it: title rows, mixed dates, a 合计 row — an
    Excel workbook in 万元 (:data:`EXCEL_TOWN`) or a GB18030 CSV in 元."""
    rng = random.Random(f"{seed}-{town}-{month}")
    name = f"{town}2022年{month:02d}月消费帮扶采购台账"
    if town != EXCEL_TOWN:
        path = folder / f"{name}.csv"
        rows = _rows(town, month, purchases, rng, wan=False)
        text = [
            [("" if v is None else v.isoformat() if isinstance(v, dt.date) else str(v)) for v in row]
            for row in rows
        ]
        with atomic_path(path) as temp, temp.open("w", encoding="gb18030", newline="") as handle:
            csv.writer(handle).writerows(text)
        return path
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "采购台账"
    for row in _rows(town, month, purchases, rng, wan=True):
        sheet.append(row)
    path = folder / f"{name}.xlsx"
    if not path.exists():  # an .xlsx records when it was saved: keep the first copy, so a re-run is a no-op
        with atomic_path(path) as temp:  # never a truncated first copy, kept for good
            workbook.save(temp)
    return path


def platform_export(ledgers: dict[str, list[DemoPurchase]], seed: int = 832) -> list[list[str]]:
    """The 832 platform's export: canteen orders of its own, plus some orders the towns also report."""
    rng = random.Random(seed)
    rows = [["订单编号", "下单时间", "采购单位", "商品名称", "供应商", "产地", "订单金额(元)", "订单状态"]]
    canteens = ("慈溪市教育局机关食堂", "慈溪市人民医院食堂", "慈溪市财政局机关食堂", "慈溪中学食堂")
    for number in range(160):
        product, supplier, origin, _unit = rng.choice(BUTUO_PRODUCTS)
        day = dt.date(2022, 1, 3) + dt.timedelta(days=rng.randrange(360))
        yuan = Decimal(rng.randrange(500_00, 20_000_00, 10)) / 100
        status = "退款成功" if rng.random() < 0.03 else "交易成功"
        rows.append(
            [
                f"832-{number:05d}",
                f"{day} 10:{number % 60:02d}:00",
                rng.choice(canteens),
                product,
                supplier,
                origin,
                f"{yuan:,.2f}",
                status,
            ]
        )
    for purchases in ledgers.values():  # the same orders, seen again on the platform
        for p in purchases[::7]:
            if not p.cancelled:
                rows.append(
                    [
                        p.order_no,
                        f"{p.date} 09:30:00",
                        p.purchaser,
                        p.product,
                        p.supplier,
                        p.origin,
                        f"{p.yuan:.2f}",
                        "交易成功",
                    ]
                )
    return rows


def write_platform_export(folder: Path, rows: list[list[str]]) -> Path:
    path = folder / "832平台订单导出-2022年1-12月.csv"
    with atomic_path(path) as temp, temp.open("w", encoding="gbk", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


#: The day the office exported the 832 platform's orders of the year.
PLATFORM_EXPORTED = dt.date(2023, 1, 10)


def write_demo_files(folder: Path) -> list[MonthlyLedger]:
    """Every town's monthly ledgers in the order they arrived, then the platform export (as the last
    "ledger", dated the day it was exported)."""
    folder.mkdir(parents=True, exist_ok=True)
    ledgers = town_purchases()
    files: list[MonthlyLedger] = []
    for town, purchases in ledgers.items():
        for month in range(1, 13):
            # a month without purchases is still reported: a ledger with no rows but its 合计 of 0
            bought = [p for p in purchases if p.date.month == month]
            path = write_town_ledger(folder, town, month, bought)
            files.append(MonthlyLedger(town, month, path, arrival_day(town, month)))
    files.sort(key=lambda f: (f.arrived, f.town, f.month))
    platform = write_platform_export(folder, platform_export(ledgers))
    files.append(MonthlyLedger("", 12, platform, PLATFORM_EXPORTED))
    return files
