"""The monthly progress bulletin (进度通报) as plain data, and the wording every rendering shares.

Pure Python (no Django): ``reports.bulletin`` fills these dataclasses from computed progress; the Word,
Excel and chart renderers read them. Money stays integer fen here; 万元 and percentages are text made at
the edge by the helpers below, so the document and the workbook say the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bangfu.common.money import FEN_PER_WAN, format_wan

from .progress_xlsx import ProgressRow

DONE, NORMAL, LAGGING, SEVERE = "done", "normal", "lagging", "severe"
BEHIND = (LAGGING, SEVERE)
_DIGITS = "零一二三四五六七八九"


# --- figures as offices write them --------------------------------------------------------------


def wan(fen: int) -> Decimal:
    """Fen as exact 万元 (for spreadsheet cells; the cell format shows 2 decimals)."""
    return Decimal(fen) / FEN_PER_WAN


def wan_text(fen: int) -> str:
    """``120_000_000`` → ``"120.00"`` (万元, 2 decimals, half up)."""
    return format_wan(fen)


def percent_text(value: Decimal | None, places: int = 1) -> str:
    """``Decimal("0.4")`` → ``"40.0%"``; a rate that cannot be measured is a dash."""
    if value is None:
        return "—"
    pct = (value * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{pct:f}%"


def date_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (numbering of headings in official documents)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    text = (("" if tens == 1 else _DIGITS[tens]) + "十") if tens else ""
    return text + (_DIGITS[ones] if ones else "")


# --- the content -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusCount:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class Overall:
    """The whole plan at a glance: the amount targets summed, time progress, lines by status."""

    time_progress: Decimal  # elapsed share of the year (时序进度)
    amount_lines: int  # lines of amount targets (万元 targets)
    required_fen: int  # Σ their targets
    achieved_fen: int  # Σ their eligible purchases
    lines: int  # every (target, unit) line
    statuses: tuple[StatusCount, ...]  # each status present, in the order of the status choices

    @property
    def rate(self) -> Decimal | None:
        return Decimal(self.achieved_fen) / Decimal(self.required_fen) if self.required_fen else None

    def count(self, code: str) -> int:
        return sum(s.count for s in self.statuses if s.code == code)

    @property
    def behind(self) -> int:
        return self.count(LAGGING) + self.count(SEVERE)


@dataclass(frozen=True)
class TownRow:
    """A town-level unit's (镇、街道、管委会) amount line in the ranking."""

    rank: int | None  # by completion rate over all towns; ties share a rank
    unit: str  # the name as in the table, e.g. 龙山镇（滨海区管委会）
    short: str  # the label for a chart axis
    item: str  # "2.2"
    required_fen: int
    achieved_fen: int
    rate: Decimal | None
    expected: Decimal  # the line's time progress
    status: str
    status_label: str

    @property
    def required_wan(self) -> Decimal:
        return wan(self.required_fen)

    @property
    def achieved_wan(self) -> Decimal:
        return wan(self.achieved_fen)


@dataclass(frozen=True)
class LaggingLine:
    unit: str
    target_label: str  # the target the line is measured against: "300.00万元", "法定节假日慰问品总金额的20%"
    target_text: str  # "300.00万元", "20%"
    achieved_text: str  # "120.00万元", "11.9%（8.91万元）"
    rate: Decimal | None
    expected: Decimal
    status: str
    status_label: str


@dataclass(frozen=True)
class LaggingItem:
    """An item's lines behind the time progress (滞后、严重滞后), slowest first."""

    item: str  # "2.4"
    content: str  # the item's text as the table words it
    lines: tuple[LaggingLine, ...]

    @property
    def severe(self) -> int:
        return sum(1 for line in self.lines if line.status == SEVERE)

    @property
    def targets(self) -> tuple[str, ...]:
        """The item's targets with lines behind, in the order of its lines."""
        return tuple(dict.fromkeys(line.target_label for line in self.lines))


@dataclass(frozen=True)
class BaseTargetSummary:
    """One target measured against units' own bases (a union's gift total, a canteen's budget)."""

    item: str
    label: str  # "法定节假日慰问品总金额的20%"
    units: int  # lines (units the target applies to)
    bases_reported: int  # lines whose base is known (or declared exempt / represented)
    exempt: int  # no canteen, or counted by a representative unit
    done: int
    normal: int
    lagging: int
    severe: int
    required_fen: int  # Σ target × base of the measured lines
    achieved_fen: int

    @property
    def behind(self) -> int:
        return self.lagging + self.severe

    @property
    def missing(self) -> int:
        return self.units - self.bases_reported


@dataclass(frozen=True)
class GroupSummary:
    name: str  # 基层工会, 单位食堂
    targets: tuple[BaseTargetSummary, ...]


@dataclass(frozen=True)
class BulletinData:
    year: int
    title: str  # "2022年全市消费帮扶工作进度通报"
    issue_no: int
    issuer: str  # who publishes it, for the date line
    issued: dt.date  # the date on the date line
    as_of: dt.date  # the figures' date
    plan_title: str
    overall: Overall
    towns: tuple[TownRow, ...]
    lagging: tuple[LaggingItem, ...]
    unions: GroupSummary | None
    canteens: GroupSummary | None
    details: tuple[ProgressRow, ...]  # every line, as `bangfu progress --xlsx` lists them
    schedules: tuple[str, ...] = ()  # monthly time-progress schedules some lines follow (the unions')

    @property
    def issue_text(self) -> str:
        return f"第{self.issue_no}期"

    @property
    def as_of_text(self) -> str:
        return f"截至{date_text(self.as_of)}"

    @property
    def groups(self) -> tuple[GroupSummary, ...]:
        return tuple(group for group in (self.unions, self.canteens) if group is not None)


# --- the words -------------------------------------------------------------------------------------

TOWNS_CAPTION = "各镇（街道）消费帮扶采购完成情况"
CHART_CAPTION = "各镇（街道）完成率与时序进度"
TOWN_HEADERS = ("排名", "单位", "目标（万元）", "已完成（万元）", "完成率", "时序进度", "状态")


def _pace(rate: Decimal | None, expected: Decimal) -> str:
    if rate is None:
        return ""
    points = ((rate - expected) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if points > 0:
        return f"，快于时序进度{points:f}个百分点"
    if points < 0:
        return f"，慢于时序进度{-points:f}个百分点"
    return "，与时序进度持平"


def _statuses_text(statuses: Sequence[StatusCount]) -> str:
    return "、".join(f"{s.label}{s.count}条" for s in statuses if s.count)


def intro_paragraph(data: BulletinData) -> str:
    return f"根据《{data.plan_title}》，现将{data.as_of_text}全市消费帮扶工作进展情况通报如下。"


def overall_paragraph(data: BulletinData) -> str:
    o = data.overall
    parts = [f"{data.as_of_text}，时序进度为{percent_text(o.time_progress)}。"]
    if o.amount_lines:
        parts.append(
            f"金额类目标{o.amount_lines}项，应完成采购{wan_text(o.required_fen)}万元，"
            f"已完成{wan_text(o.achieved_fen)}万元，完成率{percent_text(o.rate)}{_pace(o.rate, o.time_progress)}。"
        )
    if o.lines:
        parts.append(f"全部{o.lines}条目标中，{_statuses_text(o.statuses)}。")
    return "".join(parts)


def towns_paragraph(data: BulletinData) -> str:
    towns = data.towns
    if not towns:
        return "本期没有镇（街道）金额类目标。"
    counts = {code: sum(1 for t in towns if t.status == code) for code in (DONE, NORMAL, LAGGING, SEVERE)}
    labels = (("已完成全年目标", DONE), ("进度正常", NORMAL), ("滞后", LAGGING), ("严重滞后", SEVERE))
    status_part = "，".join(f"{label}{counts[code]}个" for label, code in labels if counts[code])
    text = f"纳入排名的镇（街道、管委会）{len(towns)}个"
    text += f"，其中{status_part}。" if status_part else "。"
    leaders = [t for t in towns if t.rate is not None and t.achieved_fen > 0][:3]
    if leaders:
        text += "完成率居前的是" + "、".join(f"{t.unit}（{percent_text(t.rate)}）" for t in leaders) + "。"
    return text + "具体见表1、图1。"


def lagging_intro(data: BulletinData) -> str:
    if not data.lagging:
        return f"{data.as_of_text}，各单位完成情况均不低于时序进度要求。"
    units = sum(len(item.lines) for item in data.lagging)
    severe = sum(item.severe for item in data.lagging)
    text = f"{data.as_of_text}，共有{units}个单位（目标）完成情况低于时序进度"
    return text + (f"，其中严重滞后{severe}个。" if severe else "。")


def lagging_heading(item: LaggingItem, limit: int = 60) -> str:
    """事项 and the item's first clause, as the table words it."""
    content = " ".join(item.content.split())
    for stop in "；;。":
        content = content.split(stop, 1)[0]
    content = content.rstrip("，, ")
    if len(content) > limit:
        content = content[: limit - 1] + "…"
    return f"事项{item.item}：{content}"


def _lagging_units(lines: Sequence[LaggingLine]) -> str:
    parts = []
    for code, label in ((SEVERE, "严重滞后"), (LAGGING, "滞后")):
        behind = [line for line in lines if line.status == code]
        if behind:
            units = "、".join(f"{line.unit}（完成率{percent_text(line.rate)}）" for line in behind)
            parts.append(f"{label}{len(behind)}个：{units}")
    return "；".join(parts)


def lagging_paragraph(item: LaggingItem) -> str:
    """The units behind, severe first; an item with several targets names each target."""
    targets = item.targets
    if len(targets) == 1:
        return _lagging_units(item.lines) + "。"
    return "".join(
        f"按“{target}”，{_lagging_units([line for line in item.lines if line.target_label == target])}。"
        for target in targets
    )


def group_paragraph(summary: BaseTargetSummary) -> str:
    text = (
        f"事项{summary.item}“{summary.label}”：应统计{summary.units}家，已报送基数{summary.bases_reported}家"
    )
    if summary.missing:
        text += f"（{summary.missing}家尚未报送）"
    if summary.exempt:
        text += f"，其中免于考核或由代表单位统计{summary.exempt}家"
    measured = (
        ("已完成", summary.done),
        ("进度正常", summary.normal),
        ("滞后", summary.lagging),
        ("严重滞后", summary.severe),
    )
    figures = "、".join(f"{label}{n}家" for label, n in measured if n)
    if figures:
        text += f"；{figures}"
    if summary.required_fen:
        rate = Decimal(summary.achieved_fen) / Decimal(summary.required_fen)
        text += (
            f"；按已报基数折算应采购{wan_text(summary.required_fen)}万元，"
            f"已采购{wan_text(summary.achieved_fen)}万元，完成率{percent_text(rate)}"
        )
    return text + "。"


def closing_paragraph(data: BulletinData) -> str:
    asks = [
        "请进度滞后的单位对照目标任务和时序进度，认真查找原因，加大采购帮扶力度，确保按期完成全年目标任务"
    ]
    if any(t.missing for g in data.groups for t in g.targets):
        asks.append("尚未报送基数的基层工会和单位食堂请尽快报送")
    asks.append("各单位请按月及时报送采购台账，确保数据真实、准确、完整")
    return "；".join(asks) + "。"


def data_note(data: BulletinData) -> str:
    note = (
        f"注：数据{data.as_of_text}，金额单位为万元；完成率=已完成÷目标，时序进度为当年已过天数占全年的比例"
    )
    if data.schedules:
        names = "、".join(f"“{name}”" for name in data.schedules)
        note += f"（基层工会目标按{names}逐月计算，慰问品采购集中在春节、端午、中秋前）"
    return note + "。"


def town_cells(row: TownRow) -> tuple[str, ...]:
    """A ranking-table row as the document prints it (numbers equal `bangfu progress` at 2 decimals)."""
    return (
        str(row.rank) if row.rank is not None else "—",
        row.unit,
        wan_text(row.required_fen),
        wan_text(row.achieved_fen),
        percent_text(row.rate),
        percent_text(row.expected),
        row.status_label,
    )
