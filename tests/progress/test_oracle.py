"""Correctness oracle: generated ledgers with jurisdiction overlaps, duplicates across sources, ineligible
origins and cancelled orders go through the real import; every target line is then recomputed
independently in plain Python from the generator's own list of true purchases and compared to the fen."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import pytest

from bangfu.ledger.services import ledger_import
from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import org_name_index
from bangfu.progress.selectors import progress_compute
from bangfu.progress.services import base_value_set, progress_rules_ensure
from tests.ledger.builders import write_csv, write_xlsx

pytestmark = pytest.mark.django_db

TOWNS = {
    "周巷镇": 3_000_000, "观海卫镇": 3_000_000, "龙山镇": 3_000_000, "古塘街道": 2_500_000, "宗汉街道": 2_500_000,
    "横河镇": 2_500_000, "浒山街道": 1_500_000, "白沙路街道": 1_500_000, "坎墩街道": 1_500_000, "逍林镇": 1_500_000,
    "掌起镇": 1_500_000, "附海镇": 1_500_000, "桥头镇": 1_500_000, "胜山镇": 1_500_000, "新浦镇": 1_500_000,
    "匡堰镇": 1_500_000, "长河镇": 1_500_000,
}  # fmt: skip
BUTUO = ["四川省凉山彝族自治州布拖县", "凉山州布拖县", "布拖县", "布拖", "布拖县特尔果乡"]
INELIGIBLE = ["浙江省宁波市慈溪市", "四川省凉山彝族自治州昭觉县", "云南省某县", ""]
BUYERS = ["人民政府", "总工会", "中心小学食堂", "某某实业有限公司", "卫生院食堂"]
AS_OF = dt.date(2022, 9, 30)


@dataclass(frozen=True)
class Truth:
    order_no: str
    purchaser: str
    town: str
    date: dt.date
    fen: int
    origin: str
    channel: str
    cancelled: bool


def generate(rng: random.Random) -> list[Truth]:
    truths = []
    for t_index, town in enumerate(TOWNS):
        for n in range(rng.randrange(25, 45)):
            truths.append(
                Truth(
                    order_no=f"T{t_index:02d}-{n:03d}",
                    purchaser=town + rng.choice(BUYERS),
                    town=town,
                    date=dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(365)),
                    fen=rng.randrange(1_000_00, 80_000_00),
                    origin=rng.choice(BUTUO) if rng.random() < 0.8 else rng.choice(INELIGIBLE),
                    channel=rng.choice(["832平台", "线下采购", "展销会", ""]),
                    cancelled=rng.random() < 0.05,
                )
            )
    return truths


def counts(t: Truth, as_of: dt.date) -> bool:
    return not t.cancelled and t.date <= as_of and t.origin in BUTUO


@pytest.fixture
def world(seed_plan, tmp_path):
    plan = seed_plan
    rng = random.Random(20221031)
    truths = generate(rng)
    header = ["序号", "采购单位", "采购日期", "产地", "采购渠道", "金额（元）", "订单号", "订单状态"]
    by_town: dict[str, list[Truth]] = defaultdict(list)
    for t in truths:
        by_town[t.town].append(t)
    for town, items in by_town.items():
        rows: list[list[object]] = [[f"{town}采购台账"], [f"填报单位（盖章）：{town}"], header]
        for i, t in enumerate(items, start=1):
            row = [
                i,
                t.purchaser,
                t.date,
                t.origin,
                t.channel,
                Decimal(t.fen) / 100,
                t.order_no,
                "已取消" if t.cancelled else "完成",
            ]
            rows.append(row)
            if rng.random() < 0.1:  # the same order typed twice
                rows.append(
                    [
                        i,
                        t.purchaser,
                        t.date.strftime("%Y.%m.%d"),
                        t.origin,
                        t.channel,
                        f"{Decimal(t.fen) / 100:,.2f}",
                        t.order_no,
                        "完成" if not t.cancelled else "已取消",
                    ]
                )
        rows.append([None, "合计", None, None, None, sum(Decimal(t.fen) for t in items) / 100])
        write_xlsx(tmp_path / f"{town}.xlsx", {"台账": rows})
    # The platform's export repeats about a third of the 832 orders of the towns' ledgers.
    platform = [["订单编号", "下单时间", "采购单位", "产地", "订单金额(元)", "订单状态"]]
    for t in truths:
        if t.channel == "832平台" and rng.random() < 0.35:
            platform.append(
                [
                    t.order_no,
                    f"{t.date} 10:00:00",
                    t.purchaser,
                    t.origin,
                    f"{Decimal(t.fen) / 100:.2f}",
                    "已取消" if t.cancelled else "交易成功",
                ]
            )
    write_csv(tmp_path / "832平台导出.csv", platform, encoding="gbk")
    for path in [*(tmp_path / f"{town}.xlsx" for town in by_town), tmp_path / "832平台导出.csv"]:
        ledger_import(path=path, year=2022)
    return plan, truths


def test_every_town_amount_equals_the_oracle_to_the_fen(world):
    plan, truths = world
    progress_rules_ensure(plan)
    report = progress_compute(plan, as_of=AS_OF)
    towns = {line.org_label: line for line in report.lines if line.item_code in {"2.2", "2.3", "2.4", "2.5"}}
    assert len(towns) == 18
    expected: dict[str, int] = defaultdict(int)
    for t in truths:
        if counts(t, AS_OF):
            expected[t.town] += t.fen
    for town, target_yuan in TOWNS.items():
        line = next(line for name, line in towns.items() if name.startswith(town))
        assert line.result.achieved_fen == expected[town], town
        assert line.result.rate == Decimal(expected[town]) / 100 / Decimal(target_yuan)
    # The committee bought nothing.
    assert towns["慈溪高新区管委会"].result.achieved_fen == 0
    # Drill-down: the records behind a figure add up to it.
    from bangfu.progress.selectors import progress_line_records

    zhouxiang = next(line for name, line in towns.items() if name == "周巷镇")
    records = progress_line_records(zhouxiang, as_of=AS_OF)
    assert sum(records.values_list("amount_fen", flat=True)) == zhouxiang.result.achieved_fen
    assert records.count() == zhouxiang.result.records


def test_union_and_canteen_lines_equal_the_oracle(world):
    plan, truths = world
    index = org_name_index()
    rng = random.Random(7)
    gifts: dict[str, int] = {}
    budgets: dict[str, int] = {}
    for town in TOWNS:
        union = Organisation.objects.get(pk=index.resolve(town + "总工会").key)
        gifts[union.name] = rng.randrange(50_000_00, 500_000_00)
        base_value_set(
            organisation=union,
            year=2022,
            holiday_gift_fen=gifts[union.name],
            member_count=rng.randrange(100, 900),
        )
        canteen_key = index.resolve(town + "中心小学食堂").key
        if canteen_key is not None:
            canteen = Organisation.objects.get(pk=canteen_key)
            budgets[canteen.name] = rng.randrange(10_000_00, 300_000_00)
            base_value_set(organisation=canteen, year=2022, food_budget_fen=budgets[canteen.name])
    progress_rules_ensure(plan)
    report = progress_compute(plan, as_of=dt.date(2022, 12, 31))
    union_lines = [line for line in report.lines if line.item_code == "1.1" and line.target.kind == "ratio"]
    assert {line.org_label for line in union_lines} == set(gifts)
    for line in union_lines:
        own = sum(t.fen for t in truths if t.purchaser == line.org_label and counts(t, dt.date(2022, 12, 31)))
        assert line.result.achieved_fen == own
        assert line.result.rate == (Decimal(own) / 100 / (Decimal(gifts[line.org_label]) / 100)) / Decimal(
            "0.2"
        )
    canteen_lines = {line.org_label: line for line in report.lines if line.item_code == "2.1"}
    for name, budget in budgets.items():
        bought = sum(
            t.fen for t in truths if t.purchaser == name and t.channel == "832平台" and not t.cancelled
        )  # any origin: the 832 platform itself is the eligibility
        line = canteen_lines[name]
        assert line.result.achieved_fen == bought
        assert line.result.achieved == Decimal(bought) / 100 / (Decimal(budget) / 100)
    # Canteens with no budget reported say so rather than 0%.
    unreported = [line for name, line in canteen_lines.items() if name not in budgets and "食堂" in name]
    assert unreported and all(line.result.status == "no_base" for line in unreported)
