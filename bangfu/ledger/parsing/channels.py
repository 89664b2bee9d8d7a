"""Which channel a whole file's purchases went through, and why: stated by the caller, named by the file,
or recognised from what the file contains. Pure Python, no Django.

A platform export is a platform export because of its columns and values, not its name (BRIEF §9): an
order-number column whose values are platform order numbers (long, unique codes), an order-status column
holding platform statuses (已完成, 待发货, 已取消, 退款成功 …), and one more sign — order times to the
second, a shop or seller column, or an order-event date header (下单时间, 支付时间). A town ledger with an
order-number and a status column that are mostly empty is not one.

The decision (:class:`~bangfu.ledger.parsing.model.ChannelGuess`), made for each sheet and for the file,
is, in order:

1. *stated* — the caller's ``channel``;
2. *certain* — the file name (for every sheet), or the sheet's name, a title row or a header names the
   832 platform (832, 脱贫地区农副产品网络销售平台), or names another platform (京东, 淘宝 …: "电商平台");
3. *inferred* — the content of the sheet looks like a platform export: "832平台" (the platform the units
   buy from), with the evidence as the reason; the reader also warns, so that a person confirms it;
4. *unknown* — "" (rows take their own 采购渠道 cell, if any).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bangfu.common.text import squash

from .headers import mentions_platform
from .model import ChannelGuess, Confidence, SheetLayout

PLATFORM_832 = "832平台"
ONLINE = "电商平台"

#: Order statuses of an online platform's export (832 and e-commerce alike), compared without spaces.
PLATFORM_STATUSES = frozenset(
    {
        "待付款", "待支付", "已付款", "已支付", "待发货", "待出库", "已发货", "待收货", "配送中", "已送达",
        "已签收", "已收货", "确认收货", "待评价", "已评价", "已完成", "订单完成", "交易完成", "交易成功",
        "待结算", "已结算", "已取消", "交易关闭", "已关闭", "退款中", "退款成功", "部分退款", "售后中",
        "已退款", "待确认", "已确认",
    }
)  # fmt: skip
#: Other platforms: a file that names one of them is their export, not the 832 platform's.
OTHER_PLATFORMS = ("京东", "淘宝", "天猫", "拼多多", "抖音", "快手", "政采云", "苏宁", "有赞", "微店", "美团")
#: Words of a supplier header that say "a shop on a platform".
SHOP_WORDS = ("店铺", "商家", "卖家", "商户", "网店")
#: Words of a date header that say "an order event on a platform".
ORDER_EVENT_WORDS = ("下单", "支付", "付款", "成交")

#: Share of the sampled data rows that must show a sign, and how many rows a guess needs.
SHARE = 0.8
MIN_ROWS = 3
_TIME_RE = re.compile(r"\d{1,2}:\d{2}")


@dataclass(frozen=True, slots=True)
class _Column:
    header: str
    values: list[str]


def _column(layout: SheetLayout, rows: Sequence[Sequence[str]], fieldname: str) -> _Column | None:
    col = layout.columns.get(fieldname)
    if col is None:
        return None
    return _Column(layout.headers[col], [row[col].strip() if col < len(row) else "" for row in rows])


def _is_order_number(value: str) -> bool:
    """A platform order number: a 10–40 character ASCII code, mostly digits (2022031500010001)."""
    return (
        10 <= len(value) <= 40
        and value.isascii()
        and value.replace("-", "").isalnum()
        and sum(c.isdigit() for c in value) >= 8
    )


def platform_evidence(layout: SheetLayout, head: Sequence[Sequence[str]]) -> str:
    """Why a sheet looks like a platform export ("列：订单编号、订单状态、店铺名称；订单号为16位数字；…"),
    or "" when it does not. ``head`` holds the first rows of the sheet (title and header rows included)."""
    amount = layout.columns.get("amount")
    if amount is None:
        return ""
    rows = [
        row for row in head[layout.header_row :] if amount < len(row) and row[amount].strip() and any(row)
    ]
    if len(rows) < MIN_ROWS:
        return ""
    need = SHARE * len(rows)
    orders = _column(layout, rows, "order_no")
    statuses = _column(layout, rows, "status")
    if orders is None or statuses is None:
        return ""
    numbers = [value for value in orders.values if _is_order_number(value)]
    if len(numbers) < need or len(set(numbers)) < need:
        return ""
    known = [value for value in (squash(v) for v in statuses.values) if value in PLATFORM_STATUSES]
    if len(known) < need:
        return ""
    columns = [orders.header, statuses.header]
    signs = []
    lengths = {len(number) for number in numbers}
    if len(lengths) == 1 and all(number.isdigit() for number in numbers):
        signs.append(f"订单号为{lengths.pop()}位数字")
    else:
        signs.append("订单号为平台订单编号")
    shown = "".join(f"“{status}”" for status in dict.fromkeys(known))
    signs.append(f"订单状态为{shown}等平台状态")
    extra = False
    supplier = _column(layout, rows, "supplier")
    if supplier is not None and any(word in supplier.header for word in SHOP_WORDS):
        columns.append(supplier.header)
        extra = True
    dates = _column(layout, rows, "date")
    if dates is not None:
        if any(word in dates.header for word in ORDER_EVENT_WORDS):
            columns.append(dates.header)
            extra = True
        if sum(1 for value in dates.values if _TIME_RE.search(value)) >= need:
            signs.append(f"“{dates.header}”精确到时分")
            extra = True
    if not extra:
        return ""
    return "列：" + "、".join(columns) + "；" + "；".join(signs)


def _named_platform(texts: Sequence[tuple[str, str]]) -> ChannelGuess | None:
    """A platform named by one of the (what, text) pairs: the file name, a sheet name, a title, a header."""
    for what, text in texts:
        if mentions_platform(text):
            return ChannelGuess(PLATFORM_832, Confidence.CERTAIN, f"{what}“{text}”提到832平台")
    for what, text in texts:
        if what == "表头":
            continue
        for name in OTHER_PLATFORMS:
            if name in text:
                return ChannelGuess(ONLINE, Confidence.CERTAIN, f"{what}“{text}”提到“{name}”")
    return None


def guess_channel(
    *,
    file_name: str,
    layouts: Sequence[SheetLayout],
    heads: Sequence[Sequence[Sequence[str]]],
    stated: str | None = None,
) -> tuple[ChannelGuess, list[ChannelGuess]]:
    """The channel of a file and of each of its sheets (see the module docstring); ``heads[i]`` are the
    first rows of ``layouts[i]``.

    A sheet's guess is the caller's word, else what the file name says, else what the sheet's name,
    titles or headers say, else what its content suggests. The file's guess is the caller's word, else
    what its name says, else the first sheet's guess that is not "unknown" — so a workbook holding a town
    ledger and an export sheet is "inferred" as a whole, while its ledger sheet stays "unknown".
    """
    if stated:
        said = ChannelGuess(stated, Confidence.STATED, f"导入时指定为“{stated}”")
        return said, [said] * len(layouts)
    named = _named_platform([("文件名", file_name)])
    if named is not None:
        return named, [named] * len(layouts)
    sheets: list[ChannelGuess] = []
    for layout, head in zip(layouts, heads, strict=True):
        texts = [("工作表名", layout.name), *(("标题", title) for title in layout.title_rows)]
        texts.extend(("表头", header) for header in layout.headers if header)
        guess: ChannelGuess | None = _named_platform(texts)
        if guess is None:
            evidence = platform_evidence(layout, head)
            if evidence:
                where = f"工作表“{layout.name}”" if len(layouts) > 1 else "文件"
                reason = f"{where}的列和内容像平台订单导出：{evidence}"
                guess = ChannelGuess(PLATFORM_832, Confidence.INFERRED, reason)
            else:
                guess = ChannelGuess("", Confidence.UNKNOWN, "文件名、标题和内容都没有表明采购渠道")
        sheets.append(guess)
    known = [guess for guess in sheets if guess.confidence != Confidence.UNKNOWN]
    certain = [guess for guess in known if guess.confidence == Confidence.CERTAIN]
    return (certain or known or sheets)[0], sheets
