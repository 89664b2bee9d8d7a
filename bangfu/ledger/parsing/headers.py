"""Finding the header row of a ledger sheet and mapping its columns to purchase fields.

Pure Python, no Django. Headers are compared after removing whitespace and normalising width and
brackets (``bangfu.common.text.name_key``): ``"金额（元）"``, ``"金额 (元)"`` and ``"金额\\n(元)"`` are one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from bangfu.common.text import clean_cell, join_lines, name_key

#: How many rows from the top of a sheet may hold titles before the header.
HEADER_SCAN_ROWS = 30

# Synonyms per field, best first: when two columns name the same field, the better name wins (a file
# with both 下单时间 and 支付时间 takes the order date; with 订单金额 and 实付金额, what was paid).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "purchaser": (
        "采购单位", "采购单位名称", "购买单位", "购买单位名称", "采购人", "采购方", "购买方", "买方",
        "下单单位", "预算单位", "预算单位名称", "采购主体", "单位名称", "买家", "买家名称",
    ),
    "date": (
        "采购日期", "购买日期", "下单日期", "下单时间", "订单日期", "订单时间", "交易日期", "交易时间",
        "支付时间", "支付日期", "付款时间", "付款日期", "成交时间", "成交日期", "日期", "时间",
        "开票日期", "发票日期", "创建时间",
    ),
    "amount": (
        "实付金额", "支付金额", "实付款", "实付款金额", "付款金额", "采购金额", "购买金额", "订单金额",
        "交易金额", "消费金额", "金额", "合计金额", "总金额", "订单总额", "总价", "价税合计", "金额合计",
    ),
    "product": (
        "商品名称", "产品名称", "品名", "商品", "产品", "采购内容", "采购产品", "采购商品", "货品名称",
        "商品名", "产品名", "采购品种", "品种",
    ),
    "supplier": (
        "供应商", "供应商名称", "供货商", "供货单位", "销售方", "卖方", "店铺名称", "商家", "商家名称",
        "店铺", "销售单位", "供应单位", "供货企业", "供应企业",
    ),
    "origin": (
        "产地", "原产地", "产品产地", "商品产地", "来源地", "生产地", "所属地区", "产地(县)", "产地县",
        "所属县", "所属区县", "来源县", "商品所属地",
    ),
    "channel": ("采购渠道", "渠道", "购买渠道", "采购方式", "采购平台", "购买方式", "销售渠道", "平台"),
    "category": ("采购用途", "用途", "采购类别", "类别", "采购类型", "消费类型"),
    "quantity": ("数量", "采购数量", "购买数量", "商品数量"),
    "quantity_unit": ("计量单位", "单位(计量)"),
    "order_no": (
        "订单号", "订单编号", "订单号码", "主订单号", "主订单编号", "订单ID", "发票号", "发票号码", "单号",
        "凭证号", "凭证编号", "子订单号", "子订单编号",
    ),
    "remarks": ("备注", "说明", "备注说明"),
    "status": ("订单状态", "状态", "交易状态", "支付状态"),
}  # fmt: skip
_SEQ_HEADERS = frozenset({"序号", "序", "NO", "NO.", "行号"})
_REFUND_HEADERS = frozenset({"退款状态", "售后状态", "退货状态"})
_LOOKUP: dict[str, tuple[str, int]] = {
    name: (fieldname, rank) for fieldname, names in SYNONYMS.items() for rank, name in enumerate(names)
}
_FALLBACK_RANK = 100
# Columns that say 金额 but are not what was paid.
_NOT_AMOUNT = ("单价", "优惠", "折扣", "运费", "退款", "税额", "补贴", "目标", "任务", "预算", "计划", "应收")
_NOT_DATE = ("发货", "收货", "完成", "评价", "退款", "出生", "生产", "保质", "有效", "到期", "截止", "更新")
# Headers not listed above that still say what they hold ("产品来源地", "采购单位全称", "供应商全称"),
# unless they are about something else of it (its address, phone, code, price …).
_NOT_NAME = ("地址", "电话", "联系", "编码", "代码", "账号", "单价", "规格", "数量", "税号", "信用")
_FALLBACK_WORDS = (
    ("origin", ("产地", "来源地", "所属县")),
    ("purchaser", ("采购单位", "购买单位", "采购人", "预算单位")),
    ("supplier", ("供应商", "供货", "商家", "店铺", "销售单位")),
    ("order_no", ("订单号", "订单编号", "发票号")),
    ("product", ("商品", "产品", "品名")),
)
_TRAILING_PAREN_RE = re.compile(r"\(([^()]*)\)$")
_UNIT_SUFFIX_RE = re.compile(r"[/／]?(万元|元)$")
_MARKS_RE = re.compile(r"[*＊※:：]")

#: Fields of which at least one must accompany the amount for a row to count as the header.
KEY_FIELDS = ("purchaser", "product", "date", "order_no")


@dataclass(slots=True)
class HeaderMap:
    """The result of reading one candidate header row."""

    columns: dict[str, int] = field(default_factory=dict)
    amount_unit: str = ""  # "万元", "元" or "" when the amount header does not say
    quantity_unit: str = ""
    seq_column: int | None = None
    refund_columns: list[int] = field(default_factory=list)

    @property
    def is_header(self) -> bool:
        return "amount" in self.columns and any(key in self.columns for key in KEY_FIELDS)


def header_text(value: str) -> str:
    """A header cell as written, tidied to one line (for messages and the import report)."""
    return join_lines(clean_cell(value))


def _field_of(key: str) -> tuple[str, int, str] | None:
    """(field, rank, unit in brackets) of a normalised header, or None when it names no field."""
    key = _MARKS_RE.sub("", key).upper()
    if not key:
        return None
    unit = ""
    base = key
    paren = _TRAILING_PAREN_RE.search(key)
    if paren:
        unit = paren.group(1)
        base = key[: paren.start()] or key
    found = _LOOKUP.get(key) or _LOOKUP.get(base)
    if found is None:
        stripped = _UNIT_SUFFIX_RE.sub("", base)
        if stripped != base:
            unit = unit or _UNIT_SUFFIX_RE.search(base).group(1)  # type: ignore[union-attr]
            found = _LOOKUP.get(stripped)
            base = stripped
    if found is not None:
        return found[0], found[1], unit
    if ("金额" in base or base.endswith("总额")) and not any(word in base for word in _NOT_AMOUNT):
        return "amount", _FALLBACK_RANK, unit
    if (base.endswith("日期") or base.endswith("时间")) and not any(word in base for word in _NOT_DATE):
        return "date", _FALLBACK_RANK, unit
    if any(word in base for word in _NOT_NAME):
        return None
    for fieldname, words in _FALLBACK_WORDS:
        if any(word in base for word in words):
            return fieldname, _FALLBACK_RANK, unit
    return None


def map_headers(cells: Sequence[str]) -> HeaderMap:
    """Which column holds which field, for one candidate header row."""
    keys = [name_key(cell) for cell in cells]
    result = HeaderMap()
    best: dict[str, tuple[int, int]] = {}  # field → (rank, column)
    units: dict[int, str] = {}
    for col, key in enumerate(keys):
        if not key:
            continue
        bare = _MARKS_RE.sub("", key).upper()
        if bare in _SEQ_HEADERS:
            if result.seq_column is None:
                result.seq_column = col
            continue
        if bare in _REFUND_HEADERS:
            result.refund_columns.append(col)
            continue
        if bare == "单位":
            found: tuple[str, int, str] | None = ("purchaser", len(SYNONYMS["purchaser"]), "")
        else:
            found = _field_of(key)
        if found is None:
            continue
        fieldname, rank, unit = found
        units[col] = unit
        if fieldname not in best or rank < best[fieldname][0]:
            best[fieldname] = (rank, col)
    # A bare "单位" next to 数量 (or between 规格 and 数量, as invoices lay it out) is the quantity unit.
    for col, key in enumerate(keys):
        if _MARKS_RE.sub("", key) != "单位":
            continue
        neighbours = {keys[col - 1] if col > 0 else "", keys[col + 1] if col + 1 < len(keys) else ""}
        next_to_quantity = any(
            (_field_of(other) or ("", 0, ""))[0] == "quantity" or other in ("规格", "单价", "规格型号")
            for other in neighbours
            if other
        )
        if next_to_quantity:
            if best.get("purchaser", (0, -1))[1] == col:
                del best["purchaser"]
                # Another purchaser column may have been shadowed by this one.
                for other_col, other_key in enumerate(keys):
                    other = _field_of(other_key) if other_col != col else None
                    if (
                        other
                        and other[0] == "purchaser"
                        and ("purchaser" not in best or other[1] < best["purchaser"][0])
                    ):
                        best["purchaser"] = (other[1], other_col)
            if "quantity_unit" not in best:
                best["quantity_unit"] = (0, col)
    result.columns = {fieldname: col for fieldname, (_rank, col) in best.items()}
    if "amount" in result.columns:
        unit = units.get(result.columns["amount"], "")
        amount_key = keys[result.columns["amount"]]
        if "万元" in unit or "万元" in amount_key or unit == "万":
            result.amount_unit = "万元"
        elif "元" in unit or amount_key.endswith("元"):
            result.amount_unit = "元"
    if "quantity" in result.columns:
        unit = units.get(result.columns["quantity"], "")
        if unit and not unit[0].isdigit():
            result.quantity_unit = unit
    return result


def find_header(rows: Sequence[Sequence[str]]) -> tuple[int, HeaderMap] | None:
    """The 0-based index of the header among the first rows of a sheet and its map, or None.

    The header is the row with the most recognised fields that has an amount column and at least one of
    purchaser, product, date or order number; the first such row wins a tie.
    """
    best: tuple[int, HeaderMap] | None = None
    best_count = 0
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        if not any(cells):
            continue
        mapped = map_headers(cells)
        if not mapped.is_header:
            continue
        if len(mapped.columns) > best_count:
            best, best_count = (index, mapped), len(mapped.columns)
    return best


# --- title rows -------------------------------------------------------------------------------------

_LABEL = r"(?:填报单位|报送单位|填表单位|单位名称|上报单位)"
_REPORTING_UNIT_RE = re.compile(rf"{_LABEL}\s*(?:[(（]\s*(?:盖章|公章|签章|章)\s*[)）])?\s*[:：]\s*(.*)")
# What ends the unit name when a title cell goes on: a wide gap or the next label.
_NEXT_LABEL_RE = re.compile(
    r"\s{2,}|\s*(?:填报日期|填报时间|填表日期|报送日期|日期|时间|填表人|填报人|联系人|联系电话|电话|"
    r"金额单位|单位\s*[:：])"
)
_TITLE_UNIT_RE = re.compile(r"(?<![填报送表])(?:金额)?单位\s*[:：]\s*(万元|元)(?![\u4e00-\u9fff])")
_PLATFORM_RE = re.compile(r"832|脱贫地区农副产品|网络销售平台")


def title_text(cells: Sequence[str]) -> str:
    """A title row as one line: its non-empty cells joined by a space."""
    return " ".join(text for cell in cells if (text := header_text(cell)))


def reporting_unit_in(rows: Sequence[Sequence[str]]) -> str | None:
    """The unit named by "填报单位（盖章）：XX", "填报单位：XX" or "单位名称：XX" in title rows."""
    for cells in rows:
        texts = [header_text(cell) for cell in cells]
        for index, text in enumerate(texts):
            match = _REPORTING_UNIT_RE.search(text)
            if not match:
                continue
            value = _NEXT_LABEL_RE.split(match.group(1), maxsplit=1)[0].strip()
            if not value:  # "填报单位（盖章）：" with the name in the next cell
                value = next((t for t in texts[index + 1 :] if t), "")
                if _NEXT_LABEL_RE.match(value) or _REPORTING_UNIT_RE.match(value):
                    value = ""
            value = value.strip(" _＿")
            if value:
                return value
    return None


def amount_unit_in(titles: Sequence[str]) -> str:
    """Return "万元" or "元" when a title row says "单位：万元" / "金额单位：元", else ""."""
    for title in titles:
        match = _TITLE_UNIT_RE.search(title)
        if match:
            return match.group(1)
    return ""


def mentions_platform(*texts: str) -> bool:
    """Whether a file name, title or header names the 832 platform."""
    return any(_PLATFORM_RE.search(text) for text in texts)


AMOUNT_SCALES = {"万元": Decimal(10_000), "元": Decimal(1)}
