"""Cell values of a purchase ledger: amounts in fen, order keys, channels, categories, cancelled orders.

Pure Python, no Django. The functions here are called once per row, so the common case takes a fast path
(``Decimal(text)``, a dict lookup) and the general parsers of ``bangfu.common`` only run when it fails.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bangfu.common.money import MAX_YUAN
from bangfu.common.numbers import parse_amount_yuan, parse_number
from bangfu.common.tables import cell_text, float_text
from bangfu.common.text import clean_cell, join_lines, squash

_HUNDRED = Decimal(100)
_ONE = Decimal(1)
_WAN = Decimal(10_000)
#: Amounts of 10 万亿元 (10**13 元, ``common.money.MAX_YUAN``) and more are refused as typing errors.
_MAX_YUAN_DIGITS = MAX_YUAN.adjusted()


# --- cell text --------------------------------------------------------------------------------------


def number_text(value: object) -> str:
    """A numeric cell as the text to parse an amount or quantity from.

    Excel keeps 15 significant digits; a float such as ``0.30000000000000004`` (a formula's result shown
    as 0.3) is read as Excel shows it, not as its binary expansion.
    """
    if type(value) is float:
        return format(value, ".15g")
    return cell_text(value)


def tidy_text(text: str) -> str:
    """A text cell for a field: stripped; a wrapped cell joined into one line."""
    text = text.strip()
    if "\n" in text or "\r" in text:
        return join_lines(clean_cell(text))
    return text


# --- amounts ----------------------------------------------------------------------------------------


class AmountError(ValueError):
    """Why an amount cell is not a valid amount (a Chinese message without the location)."""


# "(300.00)" / "（300.00）": how Excel's accounting format writes a negative amount.
_ACCOUNTING_NEGATIVE_RE = re.compile(r"[(（]\s*([^()（）]*\d[^()（）]*?)\s*[)）]")
# "-￥300", "－¥300": the sign before the currency mark.
_SIGN_BEFORE_CURRENCY_RE = re.compile(r"[-－−]\s*(?=[¥￥])")


def amount_to_fen(text: str, scale: Decimal = _ONE) -> int:
    """An amount cell (stripped text) in fen; ``scale`` is 元 per unit of a bare number (1 or 10000).

    ``"1,280.00"``, ``"１２８０"``, ``"1.5万"``, ``"1.2万元"``, ``"3000元"``, ``"1.2亿"``, ``"¥12.5"``,
    ``"￥1,280.00元"``, ``"-￥300"`` and ``"(300.00)"`` (accounting format: -300) are understood; a unit
    written in the cell wins over ``scale`` (``"1.5万"`` is 15000 元 in a 万元 column too). Amounts finer
    than a fen are rounded half up only in a 万元 column (``0.12345`` 万元 = 1234.50 元); elsewhere they are
    refused. Zero and negative amounts are returned; the caller decides what they mean. A refund mark
    ("（退）-300") is not an amount: see :func:`refund_mark`.
    """
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is not None and value.is_finite():
        if scale != _ONE:
            value *= scale
    else:
        unit = "万元" if scale == _WAN else "元"
        parsed = parse_amount_yuan(text, unit)
        if parsed is None:
            negative = _ACCOUNTING_NEGATIVE_RE.fullmatch(text)
            if negative:
                parsed = parse_amount_yuan(negative.group(1), unit)
                parsed = None if parsed is None or parsed < 0 else -parsed
            elif _SIGN_BEFORE_CURRENCY_RE.match(text):
                parsed = parse_amount_yuan(_SIGN_BEFORE_CURRENCY_RE.sub("", text, count=1), unit)
                parsed = None if parsed is None or parsed < 0 else -parsed
        if parsed is None:
            raise AmountError(f"“{text}”不是有效金额")
        value = parsed
    if value and value.adjusted() >= _MAX_YUAN_DIGITS:
        raise AmountError(f"“{text}”金额过大")
    fen = value * _HUNDRED
    whole = int(fen)
    if whole != fen:
        if scale != _WAN:
            raise AmountError(f"“{text}”超过两位小数，金额精确到分")
        whole = int(fen.quantize(_ONE, rounding=ROUND_HALF_UP))
    return whole


# --- quantities -------------------------------------------------------------------------------------

_QUANTITY_WITH_UNIT_RE = re.compile(r"([+-]?\d[\d,]*(?:\.\d+)?)\s*([^\d\s.,][^\d]{0,5})")


def parse_quantity(text: str) -> tuple[Decimal | None, str]:
    """A quantity cell: ``"12"`` → (12, ""), ``"5箱"`` → (5, "箱"), ``"１,200"`` → (1200, ""); (None, "")
    when it is not a number (the text stays in ``raw``)."""
    if not text:
        return None, ""
    try:
        value = Decimal(text)
        if value.is_finite():
            return value, ""
    except InvalidOperation:
        pass
    number = parse_number(text)
    if number is not None:
        return number, ""
    match = _QUANTITY_WITH_UNIT_RE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match:
        number = parse_number(match.group(1))
        if number is not None:
            return number, match.group(2).strip()
    return None, ""


# --- order numbers ----------------------------------------------------------------------------------

_EXCEL_FORMULA_TEXT_RE = re.compile(r'=\s*"(.*)"')
_SCIENTIFIC_RE = re.compile(r"[+-]?\d(?:\.\d+)?E[+-]?\d+")
_FLOAT_ARTEFACT_RE = re.compile(r"(\d+)\.0+")


def normalise_order_key(value: object) -> str:
    """The de-duplication key of an order or invoice number; "" when there is none.

    NFKC (full-width → ASCII), no whitespace, upper case, no leading apostrophe (Excel's "store as text"
    mark) and no ``="…"`` wrapper (how exports keep long numbers as text). A number Excel stored as a float
    is written as its integer digits: ``2.02203150001e+15`` → ``"2022031500010000"``. Excel keeps only 15
    significant digits, so a longer number typed into a numeric cell has already lost its last digits in
    the file and cannot be recovered from the float; a number shown in scientific notation in a CSV
    (``"2.02203E+15"``) has lost even more and gives no key at all (such rows are then de-duplicated on
    their content, never on a key that different orders could share).
    """
    if value is None:
        return ""
    if type(value) is float:
        text = float_text(value)
    elif isinstance(value, int | Decimal):
        text = str(value)
    else:
        text = str(value).strip()
    if not text:
        return ""
    if text.isascii() and text.isalnum():
        return text.upper()
    text = unicodedata.normalize("NFKC", text)
    match = _EXCEL_FORMULA_TEXT_RE.fullmatch(text.strip())
    if match:
        text = match.group(1)
    text = squash(text).lstrip("'`").upper()
    if _SCIENTIFIC_RE.fullmatch(text):
        return ""
    match = _FLOAT_ARTEFACT_RE.fullmatch(text)
    if match:
        return match.group(1)
    return text


# --- channels and categories ------------------------------------------------------------------------

_ONLINE_WORDS = (
    "电商", "网购", "网店", "线上", "网上", "网络", "淘宝", "天猫", "京东", "拼多多", "抖音", "快手", "直播",
    "微信", "小程序", "商城", "政采云", "平台", "APP",
)  # fmt: skip
_OFFLINE_WORDS = (
    "线下", "直采", "直购", "自购", "实体", "门店", "超市", "市场", "现场", "定点", "协议", "订单", "直供",
    "采购", "购买", "批发",
)  # fmt: skip
_CHANNEL_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("832平台", ("832", "脱贫地区农副产品", "网络销售平台")),
    ("展销会", ("展销", "展会", "博览会", "推介会", "展览", "农博会", "年货节", "交易会", "洽谈会")),
    ("专柜", ("专柜", "专馆", "专区", "帮扶馆", "消费帮扶中心", "智能柜", "售货柜", "展示中心")),
    ("电商平台", _ONLINE_WORDS),
    ("线下采购", _OFFLINE_WORDS),
)
_CATEGORY_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("食堂食材", ("食堂", "食材", "伙食", "餐厅", "膳食", "配餐", "厨房")),
    (
        "工会慰问品",
        ("慰问", "福利", "工会", "节日", "过节", "春节", "中秋", "端午", "元旦", "三八", "妇女节"),
    ),
    ("企业原料", ("原料", "原材料", "生产", "加工")),
    ("个人消费", ("个人", "自购", "自用", "家庭", "私人")),
)
_OTHER_WORDS = ("其他", "其它")
_channel_cache: dict[str, str] = {}
_category_cache: dict[str, str] = {}


def _classify(text: str, rules: tuple[tuple[str, tuple[str, ...]], ...], names: tuple[str, ...]) -> str:
    key = squash(unicodedata.normalize("NFKC", text)).upper()
    if not key:
        return ""
    if key in names:
        return key
    for name, words in rules:
        if any(word in key for word in words):
            return name
    return "其他"


def normalise_channel(text: str) -> str:
    """``"832平台采购"`` → "832平台", ``"消费帮扶专柜"`` → "专柜", ``"京东"`` → "电商平台", "" → ""; anything
    else that is written is "其他"."""
    found = _channel_cache.get(text)
    if found is None:
        found = _classify(
            text, _CHANNEL_RULES, ("832平台", "线下采购", "展销会", "电商平台", "专柜", *_OTHER_WORDS)
        )
        if found == "其它":
            found = "其他"
        if len(_channel_cache) < 4096:
            _channel_cache[text] = found
    return found


def normalise_category(text: str) -> str:
    """``"食材"``/``"食堂"`` → "食堂食材", ``"节日福利"``/``"工会"`` → "工会慰问品", ``"原材料"`` → "企业原料",
    ``"个人"`` → "个人消费", "" → ""; anything else that is written is "其他"."""
    found = _category_cache.get(text)
    if found is None:
        found = _classify(
            text, _CATEGORY_RULES, ("食堂食材", "工会慰问品", "企业原料", "个人消费", *_OTHER_WORDS)
        )
        if found == "其它":
            found = "其他"
        if len(_category_cache) < 4096:
            _category_cache[text] = found
    return found


# --- refunds and cancelled orders ------------------------------------------------------------------
#
# What a status, remark or 单据类型 cell says about its line. How these verdicts and the sign of the
# amount decide a row's kind is the rule in the docstring of ``rows``.


class Verdict:
    """What a status, remark or type cell says about its line ("" when it says nothing of the kind)."""

    NONE = ""
    #: Withdrawn or never paid: 已取消, 撤销, 作废, 待付款 …
    CANCELLED = "cancelled"
    #: Closed: 交易关闭, 订单关闭, 已关闭.
    CLOSED = "closed"
    #: The whole order was refunded or returned: 退款成功, 已退款, 全额退款, 已退货 …
    REFUNDED = "refunded"
    #: The line reverses another one: 冲红, 红冲, 红字, 冲销; in a remark or a type cell also 退货, 退款.
    REVERSAL = "reversal"
    #: A refund that did not happen: 退款关闭, 退款失败, 拒绝退款, 取消退款 …
    REFUND_FAILED = "refund_failed"


#: Verdicts that make a purchase line void: it is skipped as "cancelled".
VOID = frozenset({Verdict.CANCELLED, Verdict.CLOSED, Verdict.REFUNDED})

# Words per verdict, checked in this order (a verdict's words may contain a later one's: 退款关闭 is not
# 关闭, 退款成功 is not a bare 退款). A word preceded by 未/无/不/非/没/否 does not count ("未退款").
_PENDING = (
    "退款中",
    "退货中",
    "售后中",
    "申请退款",
    "退款申请",
    "申请退货",
    "退货申请",
    "部分退款",
    "部分退货",
)
_REFUND_FAILED = (
    "退款关闭",
    "退款失败",
    "拒绝退款",
    "退款取消",
    "取消退款",
    "撤销退款",
    "退款撤销",
    "退款已撤销",
    "退款已关闭",
    "退货关闭",
    "退货失败",
    "拒绝退货",
    "取消退货",
    "售后关闭",
)
_REVERSAL_MARKS = ("冲红", "红冲", "红字", "冲销", "冲减", "负数发票")
_REFUNDED = ("退款成功", "已退款", "全额退款", "退款完成", "已退货", "退货成功", "退货完成", "已全额退款")
_CLOSED = ("交易关闭", "订单关闭", "已关闭")
_CANCELLED = ("取消", "撤销", "撤单", "作废")
_UNPAID = ("待付款", "待支付", "未付款", "未支付", "支付失败", "交易失败")
#: In a status (or 退款状态/售后状态) column: the state of the order. A bare 退货 or 关闭 is the order's
#: fate there (it was returned, it was closed).
STATUS_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (Verdict.NONE, _PENDING),
    (Verdict.REFUND_FAILED, _REFUND_FAILED),
    (Verdict.REVERSAL, _REVERSAL_MARKS),
    (Verdict.REFUNDED, (*_REFUNDED, "退货")),
    (Verdict.CLOSED, (*_CLOSED, "关闭")),
    (Verdict.CANCELLED, (*_CANCELLED, *_UNPAID)),
)
#: In a remark or a 单据类型 cell: a bare 退货/退款 marks the line as a return (a reversal), and only the
#: explicit words close an order ("店铺关闭前下单" is not a closed order).
REMARK_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (Verdict.NONE, _PENDING),
    (Verdict.REFUND_FAILED, _REFUND_FAILED),
    (Verdict.REFUNDED, _REFUNDED),
    (Verdict.CLOSED, _CLOSED),
    (Verdict.CANCELLED, _CANCELLED),
    (Verdict.REVERSAL, (*_REVERSAL_MARKS, "退货", "退款")),
)
_NOT = r"(?<![未无不非没否])"


def _verdict_rules(words: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (
            verdict,
            re.compile(_NOT + "(?:" + "|".join(sorted(map(re.escape, group), key=len, reverse=True)) + ")"),
        )
        for verdict, group in words
    )


_STATUS_RULES = _verdict_rules(STATUS_WORDS)
_REMARK_RULES = _verdict_rules(REMARK_WORDS)
_status_cache: dict[str, str] = {}
_remark_cache: dict[str, str] = {}


def _verdict(text: str, rules: tuple[tuple[str, re.Pattern[str]], ...], cache: dict[str, str]) -> str:
    found = cache.get(text)
    if found is None:
        key = squash(text)
        found = next((verdict for verdict, pattern in rules if pattern.search(key)), Verdict.NONE)
        if len(cache) < 4096:
            cache[text] = found
    return found


def status_verdict(status: str) -> str:
    """What a status cell says of the order (a :class:`Verdict` value): "已取消" → cancelled, "退款成功"
    → refunded, "退款关闭" → refund_failed, "冲红" → reversal, "已完成"/"退款中" → ""."""
    return _verdict(status, _STATUS_RULES, _status_cache)


def remark_verdict(remark: str) -> str:
    """What a remark or a 单据类型 cell says of its line: "退货"/"冲红" → reversal, "已退款" → refunded,
    "订单取消" → cancelled, "未退款"/"退款中"/"共计3箱" → ""."""
    return _verdict(remark, _REMARK_RULES, _remark_cache)


# A refund written into the amount cell: "（退）-300", "-300(退款)", "退300", "冲红 1,280.00".
_REFUND_MARK_RE = re.compile(
    r"^\s*(?:[(（\[【]\s*(?:退|退款|退货|冲红|红冲|红字)\s*[)）\]】]|退款|退货|冲红|红冲|退)\s*[:：]?|"
    r"\s*[(（\[【]\s*(?:退|退款|退货|冲红|红冲|红字)\s*[)）\]】]\s*$"
)


def refund_mark(text: str) -> tuple[str, bool]:
    """An amount cell without its refund mark, and whether it had one: ``"（退）-300"`` → ("-300", True),
    ``"1,280.00"`` → ("1,280.00", False)."""
    stripped = _REFUND_MARK_RE.sub("", text)
    return (stripped.strip(), True) if stripped != text else (text, False)
