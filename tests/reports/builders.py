"""Bulletin content made by hand for the renderers' tests (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bangfu.reports.rendering.bulletin_content import (
    BaseTargetSummary,
    BulletinData,
    GroupSummary,
    LaggingItem,
    LaggingLine,
    Overall,
    StatusCount,
    TownRow,
)
from bangfu.reports.rendering.progress_xlsx import ProgressRow

EVIL = "=cmd|' /C calc'!A0"
AS_OF = dt.date(2022, 6, 30)
EXPECTED = Decimal(181) / Decimal(365)


def town(rank, unit, required_wan, achieved_fen, status, label, item="2.4") -> TownRow:
    required = required_wan * 1_000_000
    return TownRow(
        rank=rank,
        unit=unit,
        short=unit[:4],
        item=item,
        required_fen=required,
        achieved_fen=achieved_fen,
        rate=Decimal(achieved_fen) / Decimal(required),
        expected=EXPECTED,
        status=status,
        status_label=label,
    )


def detail(org: str, required_wan: int, achieved_fen: int, status: str, label: str) -> ProgressRow:
    return ProgressRow(
        task="2 消费帮扶采购",
        item="2.4",
        org=org,
        kind_label="金额",
        target_text=f"{required_wan}.00万元",
        required_wan=Decimal(required_wan),
        achieved_wan=Decimal(achieved_fen) / 1_000_000,
        rate=Decimal(achieved_fen) / Decimal(required_wan * 1_000_000),
        expected=EXPECTED,
        status_label=label,
        status=status,
        rank="",
        records=3,
    )


def sample(*, towns: bool = True, groups: bool = True, lagging: bool = True) -> BulletinData:
    rows = (
        town(1, "周巷镇", 300, 160_000_000, "normal", "正常", item="2.2"),
        town(2, EVIL, 150, 60_000_000, "lagging", "滞后"),
        town(3, "龙山镇（滨海区管委会）", 300, 12_345_678, "severe", "严重滞后", item="2.2"),
    )
    behind = (
        LaggingItem(
            item="2.2",
            content="采购对口地区农特产品300万元。",
            lines=(
                LaggingLine(
                    unit="龙山镇（滨海区管委会）",
                    target_label="300.00万元",
                    target_text="300.00万元",
                    achieved_text="12.35万元",
                    rate=Decimal(12_345_678) / Decimal(300_000_000),
                    expected=EXPECTED,
                    status="severe",
                    status_label="严重滞后",
                ),
            ),
        ),
        LaggingItem(
            item="2.4",
            content="采购对口地区农特产品150万元。",
            lines=(
                LaggingLine(
                    unit=EVIL,
                    target_label="150.00万元",
                    target_text="150.00万元",
                    achieved_text="60.00万元",
                    rate=Decimal("0.4"),
                    expected=EXPECTED,
                    status="lagging",
                    status_label="滞后",
                ),
            ),
        ),
    )
    unions = GroupSummary(
        "基层工会",
        (BaseTargetSummary("1.1", "法定节假日慰问品总金额的20%", 3, 2, 0, 1, 0, 1, 0, 4_000_000, 2_500_000),),
    )
    canteens = GroupSummary(
        "单位食堂",
        (
            BaseTargetSummary(
                "2.1", "食堂采购预算资金的10%（832平台）", 4, 3, 1, 0, 1, 0, 1, 9_000_000, 3_000_000
            ),
        ),
    )
    return BulletinData(
        year=2022,
        title="2022年全市消费帮扶工作进度通报",
        issue_no=6,
        issuer="慈溪市对口支援办",
        issued=dt.date(2022, 7, 5),
        as_of=AS_OF,
        plan_title="2022年慈溪市消费帮扶工作任务分解表",
        overall=Overall(
            time_progress=EXPECTED,
            amount_lines=3,
            required_fen=750_000_000,
            achieved_fen=232_345_678,
            lines=10,
            statuses=(
                StatusCount("normal", "正常", 2),
                StatusCount("lagging", "滞后", 2),
                StatusCount("severe", "严重滞后", 2),
                StatusCount("no_base", "基数未填报", 4),
            ),
        ),
        towns=rows if towns else (),
        lagging=behind if lagging else (),
        unions=unions if groups else None,
        canteens=canteens if groups else None,
        details=(
            detail("周巷镇", 300, 160_000_000, "normal", "正常"),
            detail(EVIL, 150, 60_000_000, "lagging", "滞后"),
            detail("+1 Street", 150, 0, "severe", "严重滞后"),
        ),
    )
