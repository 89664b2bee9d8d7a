"""Numbers as offices write them: Arabic or Chinese numerals, full-width digits, 万/亿 units.

Pure Python, no Django. Everything returns :class:`~decimal.Decimal` (never ``float``) or ``None`` when
the text is not a number, so callers can tell "0" from "not a number". Used by the plan parser and the
ledger importer.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from bangfu.common.text import squash, to_halfwidth

CN_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
CN_SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG_UNITS: dict[str, int] = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
#: Characters that may make up a Chinese numeral (for regexes elsewhere).
CN_NUMERAL_CHARS = "".join([*CN_DIGITS, *CN_SMALL_UNITS, *CN_BIG_UNITS])

_ARABIC_RE = re.compile(r"\d+(?:\.\d+)?")
_GROUPED_RE = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])")
_TOKEN_RE = re.compile(rf"\d+(?:\.\d+)?|[{CN_NUMERAL_CHARS}]")
_CURRENCY_PREFIX_RE = re.compile(r"^(?:¥|￥|RMB|CNY|人民币)")
_YUAN_SUFFIX_RE = re.compile(r"(?:元整|圆整|元|圆|块钱|块)$")
_UNIT_SCALES: dict[str, Decimal] = {
    "元": Decimal(1),
    "圆": Decimal(1),
    "千元": Decimal(1000),
    "千": Decimal(1000),
    "万元": Decimal(10**4),
    "万": Decimal(10**4),
    "亿元": Decimal(10**8),
    "亿": Decimal(10**8),
}
_PERCENT_RE = re.compile(r"^([+-]?\d+(?:\.\d+)?)%$")
_CN_FRACTION_RE = re.compile(r"^(百分之|千分之)(.+)$")


#: What offices write in a value cell that has no value: a dash, a slash, "无", "不适用" (or nothing).
_NO_VALUE_RE = re.compile(r"^(?:[-—–―~～/\\_.。]*|无|暂无|不适用|不涉及|n/?a|none|null)$", re.IGNORECASE)


def is_no_value(text: object) -> bool:
    """Whether a value cell says "no value": blank, "—", "-", "/", "无", "不适用", "N/A" … — not an error."""
    if text is None:
        return True
    return bool(_NO_VALUE_RE.match(squash(to_halfwidth(str(text)))))


def tidy_decimal(value: Decimal) -> Decimal:
    """``Decimal("3000000.0")`` → ``Decimal("3000000")``; non-integral values are kept as they are."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value


def _normalise(text: str) -> str:
    """Half-width, no whitespace, thousands separators removed where they are well-formed."""
    text = squash(to_halfwidth(text)).replace("−", "-")
    return _GROUPED_RE.sub(lambda m: m.group(0).replace(",", ""), text)


def _split_sign(text: str) -> tuple[int, str]:
    if text and text[0] in "+-":
        return (-1 if text[0] == "-" else 1), text[1:]
    return 1, text


def _parse_digit_string(text: str) -> Decimal | None:
    """``"二〇二二"`` → 2022: Chinese digits read one by one, without units."""
    if len(text) > 1 and all(ch in CN_DIGITS and ch != "两" for ch in text):
        return Decimal("".join(str(CN_DIGITS[ch]) for ch in text))
    return None


def _parse_units(tokens: list[str]) -> Decimal | None:
    """Combine digits (Arabic or Chinese) with 十/百/千 and 万/亿 units."""
    total = Decimal(0)
    section = Decimal(0)
    pending: Decimal | None = None
    last_unit = 0  # scale of the unit just read, for "三百五" = 350 and "一万二" = 12000
    for token in tokens:
        if token == "零" or token == "〇":
            last_unit = 0
            continue
        if token in CN_SMALL_UNITS:
            section += (pending if pending is not None else Decimal(1)) * CN_SMALL_UNITS[token]
            pending, last_unit = None, CN_SMALL_UNITS[token]
        elif token in CN_BIG_UNITS:
            scale = CN_BIG_UNITS[token]
            section += pending if pending is not None else Decimal(0)
            if scale > 10**4:
                total, section = (total + section) * scale, Decimal(0)
            else:
                total, section = total + section * scale, Decimal(0)
            pending, last_unit = None, scale
        else:
            if pending is not None:
                return None  # two numbers in a row ("三五")
            pending = Decimal(CN_DIGITS[token]) if token in CN_DIGITS else Decimal(token)
    if pending is not None:
        section += pending * last_unit // 10 if last_unit >= 100 and pending < 10 else pending
    return total + section


def parse_number(text: object) -> Decimal | None:
    """A number as written in a cell: ``"1,280.00"``, ``"１２"``, ``"三百"``, ``"一千二百"``, ``"1.5万"``.

    Returns ``None`` for anything that is not wholly a number (``"第三"``, ``"12,34"``, ``""``).
    """
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int | Decimal):
        return Decimal(text)
    if isinstance(text, float):
        return tidy_decimal(Decimal(str(text)))
    value = _normalise(str(text))
    sign, value = _split_sign(value)
    if not value:
        return None
    if _ARABIC_RE.fullmatch(value):
        return Decimal(value) * sign
    digit_string = _parse_digit_string(value)
    if digit_string is not None:
        return digit_string * sign
    tokens = _TOKEN_RE.findall(value)
    if "".join(tokens) != value:
        return None
    has_digit = any(tok[0].isdigit() or tok in CN_DIGITS for tok in tokens)
    if not has_digit and tokens[0] not in ("十", "拾"):
        return None
    try:
        result = _parse_units(tokens)
    except InvalidOperation:
        return None
    return None if result is None else tidy_decimal(result * sign)


def cn_to_int(text: object) -> int | None:
    """A whole non-negative number (``"十五"`` → 15, ``"二"`` → 2, ``"12"`` → 12), else ``None``."""
    value = parse_number(text)
    if value is None or value < 0 or value != value.to_integral_value():
        return None
    return int(value)


def _scale_for(unit: str) -> Decimal:
    try:
        return _UNIT_SCALES[unit]
    except KeyError:
        raise ValueError(f"unknown amount unit: {unit!r}") from None


def parse_amount_yuan(text: object, unit_hint: str = "元") -> Decimal | None:
    """An amount in 元: ``"300万元"`` → 3000000, ``"1.2亿元"``, ``"3,000元"``, ``"三百万元"``, ``"1.5万"``.

    ``unit_hint`` is the unit a bare number is in (e.g. ``"万元"`` when the column header says
    ``金额（万元）``); a unit written in the text itself always wins over the hint.
    """
    hint_scale = _scale_for(unit_hint)
    if text is None or isinstance(text, bool):
        return None
    if not isinstance(text, str):
        number = parse_number(text)
        return None if number is None else tidy_decimal(number * hint_scale)
    value = _CURRENCY_PREFIX_RE.sub("", _normalise(text))
    if not value:
        return None
    explicit = bool(_YUAN_SUFFIX_RE.search(value))
    value = _YUAN_SUFFIX_RE.sub("", value)
    if value and (value[-1] in CN_BIG_UNITS or value[-1] in ("千", "仟")):
        explicit = True
    number = parse_number(value)
    if number is None:
        return None
    return tidy_decimal(number if explicit else number * hint_scale)


def parse_ratio(text: object) -> Decimal | None:
    """A percentage as a fraction: ``"20%"``/``"20％"`` → 0.2, ``"百分之二十"`` → 0.2, ``"千分之五"``."""
    if text is None or isinstance(text, bool):
        return None
    value = _normalise(str(text))
    match = _PERCENT_RE.match(value)
    if match:
        return Decimal(match.group(1)) / 100
    match = _CN_FRACTION_RE.match(value)
    if match:
        number = parse_number(match.group(2))
        if number is None:
            return None
        return number / (100 if match.group(1) == "百分之" else 1000)
    return None


#: The largest id (or other whole number) accepted from a request: 18 digits fit any integer column.
ID_MAX = 10**18 - 1
_ID_RE = re.compile(r"[0-9]{1,18}")


def parse_id(text: object) -> int | None:
    """A record id, year or other whole number sent in a URL or a form: ASCII digits only, at most 18
    of them (so that it fits any integer column), else None. ``str.isdigit`` is not enough: it accepts
    "²" and "٣", which ``int()`` then refuses or reads, and any length."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    return int(value) if _ID_RE.fullmatch(value) else None
