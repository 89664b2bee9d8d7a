"""Reminder notices (催报提醒) in official Chinese, ready to copy, mail or post to a group robot.

Pure Python: plain figures in, text out (no Django, no database), so that the reminders page shows the
text and the notification service (e-mail, DingTalk-style webhooks) sends the very same text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bangfu.common.money import format_percent, format_wan

_DIGITS = "零一二三四五六七八九"
_PACE = {"滞后", "严重滞后", "正常"}


@dataclass(frozen=True)
class NoticeLine:
    """One target line of a unit, as the notice states it."""

    item_code: str  # "2.2"
    item_text: str  # the item's content as the table words it
    target_text: str  # "300.00万元", "20%", "500.00元/人/年"
    achieved_text: str  # "166.90万元", "11.9%（8.91万元）"
    rate: Decimal | None  # achieved ÷ target
    expected: Decimal  # time progress (时序进度)
    status_label: str  # "滞后", "严重滞后"
    achieved_fen: int = 0
    required_fen: int | None = None  # what the whole target amounts to, in fen, when known
    shortfall_fen: int | None = None  # 差额: ``LineResult.shortfall_fen``


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str

    @property
    def text(self) -> str:
        return f"{self.subject}\n\n{self.body}"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (list numbering in official documents)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    text = ("" if tens == 1 else _DIGITS[tens]) + "十" if tens else ""
    return text + (_DIGITS[ones] if ones else "")


def date_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _wan(fen: int) -> str:
    return f"{format_wan(fen)}万元"


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    text = text.rstrip("。；;，, ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def line_sentence(line: NoticeLine) -> str:
    """目标…，已完成…，完成率…，时序进度…，落后时序进度…，差额… — one line's figures in a sentence."""
    parts = [f"事项{line.item_code}“{_short(line.item_text)}”", f"目标{line.target_text}"]
    parts.append(f"已完成{line.achieved_text}")
    if line.rate is not None:
        parts.append(f"完成率{format_percent(line.rate, 1)}")
    parts.append(f"时序进度{format_percent(line.expected, 1)}")
    if line.required_fen is not None:
        due_by_now = int((Decimal(line.required_fen) * line.expected).to_integral_value())
        behind = due_by_now - line.achieved_fen
        if behind > 0:
            parts.append(f"按时序进度应完成{_wan(due_by_now)}，落后时序进度{_wan(behind)}")
    if line.shortfall_fen:  # 差额 as every page shows it: what is still to buy to meet the whole target
        parts.append(f"差额{_wan(line.shortfall_fen)}")
    label = line.status_label
    return "，".join(parts) + f"，{'进度' + label if label in _PACE else label}。"


def _closing(sender: str, issued: dt.date) -> str:
    return f"\n\n{sender}\n{date_text(issued)}"


def behind_notice(
    *,
    unit: str,
    plan_title: str,
    as_of: dt.date,
    lines: Sequence[NoticeLine],
    report_by: dt.date,
    sender: str,
    issued: dt.date,
) -> Notice:
    """A reminder to a unit whose lines are behind the time progress (滞后/严重滞后)."""
    intro = (
        f"{unit}：\n"
        f"    根据《{plan_title}》，截至{date_text(as_of)}，你单位消费帮扶工作完成情况低于时序进度，具体如下："
    )
    if len(lines) == 1:
        items = [f"    {line_sentence(lines[0])}"]
    else:
        items = [f"    {chinese_number(n)}、{line_sentence(line)}" for n, line in enumerate(lines, start=1)]
    ask = (
        "    请你单位高度重视，对照目标任务查找原因，加大采购帮扶力度，抓紧补齐差额，"
        f"并于{date_text(report_by)}前报送最新采购台账及进展情况。"
    )
    body = "\n".join([intro, *items, ask]) + _closing(sender, issued)
    return Notice(subject=f"关于{unit}消费帮扶工作进度滞后的提醒", body=body)


def silent_notice(
    *,
    unit: str,
    plan_title: str,
    as_of: dt.date,
    since: dt.date,
    period_label: str,
    report_by: dt.date,
    lines: Sequence[NoticeLine],
    sender: str,
    issued: dt.date,
) -> Notice:
    """A reminder to a unit that has reported nothing in the current reporting period."""
    intro = (
        f"{unit}：\n"
        f"    根据《{plan_title}》及报送日历安排，各单位应按月报送消费帮扶采购数据。"
        f"截至{date_text(as_of)}，你单位自{date_text(since)}以来未报送{period_label}的采购台账或采购记录。"
    )
    parts = [intro]
    if lines:
        parts.append("    你单位目前完成情况如下：")
        if len(lines) == 1:
            parts.append(f"    {line_sentence(lines[0])}")
        else:
            parts.extend(
                f"    {chinese_number(n)}、{line_sentence(line)}" for n, line in enumerate(lines, start=1)
            )
    parts.append(
        f"    请于{date_text(report_by)}前通过消费帮扶工作管理系统报送{period_label}采购数据；"
        "如本期确无采购，请一并说明。"
    )
    body = "\n".join(parts) + _closing(sender, issued)
    return Notice(subject=f"关于{unit}报送{period_label}消费帮扶数据的提醒", body=body)
