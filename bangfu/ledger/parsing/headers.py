"""Finding the header row of a ledger sheet and mapping its columns to purchase fields.

Pure Python, no Django. Headers are compared after removing whitespace and normalising width and
brackets (``bangfu.common.text.name_key``): ``"金额（元）"``, ``"金额 (元)"`` and ``"金额\\n(元)"`` are one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from bangfu.common.text import clean_cell, join_lines, name_key

from .model import FIELD_LABELS, ColumnMapping, MappedBy

#: How many rows from the top of a sheet may hold titles before the header.
HEADER_SCAN_ROWS = 30

# Synonyms per field, best first: when two columns name the same field, the better name wins (a file
# with both 下单时间 and 支付时间 takes the order date; with 订单金额 and 实付金额, what was paid).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "purchaser": (
        "采购单位", "采购单位名称", "购买单位", "购买单位名称", "采购人", "采购方", "购买方", "买方",
        "下单单位", "预算单位", "预算单位名称", "采购主体", "单位名称", "买家", "买家名称", "订购单位",
        "采购方名称", "付款单位", "付款方", "需求单位", "客户名称", "客户", "购买人",
    ),
    "date": (
        "采购日期", "购买日期", "下单日期", "下单时间", "订单日期", "订单时间", "交易日期", "交易时间",
        "支付时间", "支付日期", "付款时间", "付款日期", "成交时间", "成交日期", "采购时间", "购买时间",
        "消费日期", "消费时间", "销售日期", "业务日期", "单据日期", "记账日期", "入账日期", "日期", "时间",
        "开票日期", "发票日期", "创建时间", "采购月份", "月份",
    ),
    "amount": (
        "实付金额", "支付金额", "实付款", "实付款金额", "实际支付金额", "实际付款", "付款金额", "采购金额",
        "购买金额", "订单金额", "成交金额", "结算金额", "实收金额", "交易金额", "消费金额", "销售金额",
        "发票金额", "开票金额", "报销金额", "支出金额", "金额", "合计金额", "总金额", "订单总额", "商品金额",
        "总价", "价税合计", "金额合计", "采购额", "消费额", "销售额", "货款", "货款金额", "订单实付",
        "实付", "采购总额", "采购总金额",
    ),
    "product": (
        "商品名称", "产品名称", "品名", "商品", "产品", "采购内容", "采购产品", "采购商品", "货品名称",
        "商品名", "产品名", "采购品种", "品种", "货物名称", "物品名称", "商品信息", "产品信息",
        "货物或应税劳务名称", "货物或应税劳务、服务名称", "货品", "货物", "物品", "采购物品", "采购品名",
        # A column that names the product with its size is still the product (ranked after the above).
        "品名规格", "品名及规格", "品名/规格", "商品名称及规格", "商品名称规格", "产品名称及规格",
        "产品名称规格", "货物名称及规格", "名称及规格", "商品规格名称",
    ),
    "supplier": (
        "供应商", "供应商名称", "供货商", "供货单位", "销售方", "卖方", "店铺名称", "商家", "商家名称",
        "店铺", "店铺名", "网店名称", "销售单位", "供应单位", "供货企业", "供应企业", "销售企业", "卖家",
        "卖家名称", "商户", "商户名称", "销售商", "供货方",
    ),
    # Not 发货地 (where a parcel leaves from: a warehouse in 成都 or a shop in 慈溪) nor a supplier's
    # 所在地: neither says where the product comes from (see NOT_USED).
    "origin": (
        "产地", "原产地", "产品产地", "商品产地", "来源地", "生产地", "所属地区", "产地(县)", "产地县",
        "所属县", "所属区县", "来源县", "商品所属地", "产品来源", "商品来源", "货源地", "产品所属地",
        "原产县", "产品原产地", "生产地区", "来源地区", "产地区县", "帮扶地区", "对口地区", "受援地区",
        "货物来源", "货品来源", "农产品来源", "货物产地", "货品产地", "农产品产地", "商品来源地",
    ),
    "channel": (
        "采购渠道", "渠道", "购买渠道", "采购方式", "采购平台", "购买方式", "销售渠道", "平台", "购买平台",
        "下单平台", "来源渠道", "购买途径", "采购途径",
    ),
    "category": ("采购用途", "用途", "采购类别", "类别", "采购类型", "消费类型"),
    "quantity": ("数量", "采购数量", "购买数量", "商品数量", "件数"),
    "quantity_unit": ("计量单位", "单位(计量)"),
    "order_no": (
        "订单号", "订单编号", "订单号码", "主订单号", "主订单编号", "订单ID", "发票号", "发票号码", "单号",
        "凭证号", "凭证编号", "子订单号", "子订单编号", "交易单号", "交易编号", "交易号", "交易流水号",
        "流水号", "采购单号", "采购订单号", "单据编号", "单据号",
    ),
    "remarks": ("备注", "说明", "备注说明"),
    "status": ("订单状态", "状态", "交易状态", "支付状态", "订单当前状态"),
    # What kind of line it is: a sale, or a return / red-letter reversal (see values.line_verdict).
    "entry_type": (
        "单据类型", "业务类型", "交易类型", "记录类型", "收支类型", "款项类型", "订单类型", "发票类型", "类型",
    ),
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
_NOT_NAME = (
    "地址", "电话", "联系", "编码", "代码", "账号", "单价", "规格", "数量", "税号", "信用", "所在地", "类别",
    "分类", "类型",
)  # fmt: skip
_FALLBACK_WORDS = (
    ("origin", ("产地", "来源地", "所属县")),
    ("purchaser", ("采购单位", "购买单位", "采购人", "预算单位")),
    ("supplier", ("供应商", "供货", "商家", "店铺", "销售单位")),
    ("order_no", ("订单号", "订单编号", "发票号")),
    ("product", ("商品", "产品", "品名")),
)
#: Headers recognised as something a purchase does not need, with what the mapping report says about
#: them; checked in order, by containment, for headers that name no field.
NOT_USED: tuple[tuple[str, str], ...] = (
    ("发货地", "发货地是发出货物的地点，不是产地"),
    ("所在地", "所在地是单位所在的地点，不一定是产地"),
    ("发货", "发货信息，不导入"),
    ("收货", "收货信息，不导入"),
    ("物流", "物流信息，不导入"),
    ("快递", "物流信息，不导入"),
    ("地址", "地址，不导入"),
    ("电话", "联系方式，不导入"),
    ("手机", "联系方式，不导入"),
    ("联系", "联系方式，不导入"),
    ("单价", "单价不是采购金额"),
    ("运费", "运费，不计入采购金额"),
    ("优惠", "优惠金额，不导入"),
    ("折扣", "折扣，不导入"),
    ("退款金额", "退款金额，不导入；退款请另起一行，写负数金额"),
    ("税额", "税额，不导入"),
    ("税率", "税率，不导入"),
    ("补贴", "补贴，不计入采购金额"),
    ("预算", "预算，不是采购金额"),
    ("目标", "目标，不是采购金额"),
    ("计划", "计划，不是采购金额"),
    ("规格", "规格，不导入"),
    ("分类", "商品分类，不是采购用途，不导入"),
    ("商品类别", "商品类别，不是采购用途，不导入"),
    ("产品类别", "商品类别，不是采购用途，不导入"),
    ("品类", "商品分类，不是采购用途，不导入"),
    ("型号", "规格，不导入"),
    ("编码", "编码，不导入"),
    ("条码", "编码，不导入"),
    ("SKU", "编码，不导入"),
    ("评价", "评价，不导入"),
    ("税号", "证照号码，不导入"),
    ("信用代码", "证照号码，不导入"),
    ("账号", "账号，不导入"),
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
    #: Every column and what it was taken for (see ``model.ColumnMapping``).
    mapping: list[ColumnMapping] = field(default_factory=list)

    @property
    def is_header(self) -> bool:
        return "amount" in self.columns and any(key in self.columns for key in KEY_FIELDS)


def header_text(value: str) -> str:
    """A header cell as written, tidied to one line (for messages and the import report)."""
    return join_lines(clean_cell(value))


def _field_of(key: str) -> tuple[str, int, str] | None:
    """(field, rank, unit in brackets) of a normalised header, or None when it names no field.

    A listed synonym has its rank in :data:`SYNONYMS` (below ``_FALLBACK_RANK``); a header that only
    contains a field's word has ``_FALLBACK_RANK``.
    """
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


def _not_used(key: str) -> str:
    """What the mapping report says of a header that names no field but is known ("" if unknown)."""
    key = _MARKS_RE.sub("", key).upper()
    return next((note for word, note in NOT_USED if word in key), "")


def map_headers(cells: Sequence[str]) -> HeaderMap:
    """Which column holds which field, for one candidate header row, and the mapping of every column."""
    keys = [name_key(cell) for cell in cells]
    result = HeaderMap()
    best: dict[str, tuple[int, int]] = {}  # field → (rank, column)
    named: dict[int, tuple[str, int]] = {}  # column → (field it names, rank)
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
        named[col] = (fieldname, rank)
        if fieldname not in best or rank < best[fieldname][0]:
            best[fieldname] = (rank, col)
    # A bare "单位" next to 数量 (or between 规格 and 数量, as invoices lay it out) is the quantity unit.
    by_position: set[int] = set()
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
            del named[col]
            if best.get("purchaser", (0, -1))[1] == col:
                del best["purchaser"]
                # Another purchaser column may have been shadowed by this one.
                for other_col, (other_field, other_rank) in named.items():
                    if other_field == "purchaser" and (
                        "purchaser" not in best or other_rank < best["purchaser"][0]
                    ):
                        best["purchaser"] = (other_rank, other_col)
            if "quantity_unit" not in best:
                best["quantity_unit"] = (0, col)
                by_position.add(col)
    result.columns = {fieldname: col for fieldname, (_rank, col) in best.items()}
    result.mapping = _mapping(cells, keys, result, named, by_position)
    if "amount" in result.columns:
        result.amount_unit = amount_unit_of(
            keys[result.columns["amount"]], units.get(result.columns["amount"], "")
        )
    if "quantity" in result.columns:
        unit = units.get(result.columns["quantity"], "")
        if unit and not unit[0].isdigit():
            result.quantity_unit = unit
    return result


def amount_unit_of(key: str, unit: str = "") -> str:
    """ "万元", "元" or "" from an amount header's key (and the unit in its trailing brackets)."""
    if not unit:
        paren = _TRAILING_PAREN_RE.search(key)
        unit = paren.group(1) if paren else ""
    if "万元" in unit or "万元" in key or unit == "万":
        return "万元"
    if "元" in unit or key.endswith("元"):
        return "元"
    return ""


def _mapping(
    cells: Sequence[str],
    keys: list[str],
    result: HeaderMap,
    named: dict[int, tuple[str, int]],
    by_position: set[int],
) -> list[ColumnMapping]:
    field_of_column = {col: fieldname for fieldname, col in result.columns.items()}
    mapping = []
    for col, cell in enumerate(cells):
        header = header_text(cell)
        if col in field_of_column:
            fieldname = field_of_column[col]
            if col in by_position:
                how = MappedBy.POSITION
            elif named[col][1] >= _FALLBACK_RANK:
                how = MappedBy.KEYWORD
            else:
                how = MappedBy.SYNONYM
            mapping.append(ColumnMapping(col, header, fieldname, how))
        elif not keys[col]:
            mapping.append(ColumnMapping(col, header, None, MappedBy.EMPTY))
        elif col == result.seq_column:
            mapping.append(ColumnMapping(col, header, None, MappedBy.SEQUENCE))
        elif col in result.refund_columns:
            mapping.append(ColumnMapping(col, header, None, MappedBy.REFUND_STATUS))
        elif col in named:
            fieldname = named[col][0]
            winner = header_text(cells[result.columns[fieldname]])
            note = f"与“{winner}”同为{FIELD_LABELS[fieldname]}列，取用“{winner}”"
            mapping.append(ColumnMapping(col, header, None, MappedBy.SHADOWED, note))
        elif note := _not_used(keys[col]):
            mapping.append(ColumnMapping(col, header, None, MappedBy.NOT_USED, note))
        else:
            mapping.append(ColumnMapping(col, header, None, MappedBy.UNRECOGNISED))
    return mapping


#: Words in a cell that make it the name of a business, not of a place ("布拖县某合作社").
_NOT_PLACE = (
    "公司",
    "合作社",
    "商行",
    "店",
    "厂",
    "场",
    "基地",
    "中心",
    "超市",
    "部",
    "局",
    "院",
    "校",
    "食堂",
)
#: How many of a column's sampled cells must name a county for the column to be taken as the origin.
ORIGIN_BY_CONTENT_SHARE = 0.5


def origin_by_content(
    mapped: HeaderMap,
    rows: Sequence[Sequence[str]],
    place_of: Callable[[str], object | None],
) -> ColumnMapping | None:
    """When no header names the origin, the one unrecognised column whose cells are mostly county names
    ("布拖县", "四川布拖") — taken as the origin and returned, with a note saying it was read from the
    content; None when there is no such column (or several: then nothing is guessed).

    ``rows`` are the sheet's first rows under the header (the sample); ``place_of`` says which county a
    cell names (None for none). A cell counts only if it is short and names no business (a supplier
    "布拖县某合作社" names a county but is not an origin).
    """
    if "origin" in mapped.columns:
        return None
    found: list[tuple[int, int, int]] = []  # (column, cells naming a county, cells sampled)
    for entry in mapped.mapping:
        if entry.how != MappedBy.UNRECOGNISED:
            continue
        cells = [
            text
            for row in rows
            if entry.index < len(row) and (text := str(row[entry.index]).strip()) and not text.isdigit()
        ]
        if not cells:
            continue
        places = sum(
            1
            for text in cells
            if len(text) <= 16 and not any(word in text for word in _NOT_PLACE) and place_of(text) is not None
        )
        if places and places >= len(cells) * ORIGIN_BY_CONTENT_SHARE:
            found.append((entry.index, places, len(cells)))
    if len(found) != 1:
        return None
    col, places, sampled = found[0]
    position = next(i for i, entry in enumerate(mapped.mapping) if entry.index == col)
    header = mapped.mapping[position].header
    mapped.columns["origin"] = col
    entry = ColumnMapping(
        col,
        header,
        "origin",
        MappedBy.CONTENT,
        f"表头未识别，按内容识别为产地（抽查 {sampled} 行中 {places} 行是县名）",
    )
    mapped.mapping[position] = entry
    return entry


def state_columns(mapped: HeaderMap, cells: Sequence[str], stated: Mapping[int, str | None]) -> None:
    """Apply the caller's word on columns (column → field, or None for "not this field") to ``mapped``.

    A stated field moves to its column (another column that had it loses it); a column stated as None
    keeps no field. The amount unit is read again from the amount column's header.
    """
    for col, fieldname in stated.items():
        if not 0 <= col < len(cells):
            raise ValueError(f"column {col} is not a column of the header")
        if fieldname is not None and fieldname not in FIELD_LABELS:
            raise ValueError(f"{fieldname!r} is not a ledger field")
    columns = dict(mapped.columns)
    for col, fieldname in stated.items():
        for other, other_col in list(columns.items()):
            if other_col == col or (fieldname is not None and other == fieldname):
                del columns[other]
        if fieldname is not None:
            columns[fieldname] = col
        if mapped.seq_column == col:
            mapped.seq_column = None
        if col in mapped.refund_columns:
            mapped.refund_columns.remove(col)
    mapped.columns = columns
    by_column = {col: fieldname for fieldname, col in columns.items()}
    mapping = []
    for entry in mapped.mapping:
        col = entry.index
        if col in stated:
            fieldname = stated[col]
            note = "" if fieldname is not None else "导入时指定不使用此列"
            mapping.append(ColumnMapping(col, entry.header, fieldname, MappedBy.STATED, note))
        elif entry.field is not None and by_column.get(col) != entry.field:
            note = f"导入时指定{FIELD_LABELS[entry.field]}取自其他列"
            mapping.append(ColumnMapping(col, entry.header, None, MappedBy.SHADOWED, note))
        else:
            mapping.append(entry)
    mapped.mapping = mapping
    if "amount" in columns:
        mapped.amount_unit = amount_unit_of(name_key(cells[columns["amount"]]))


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

_LABEL = r"(?:填报单位|报送单位|填表单位|单位名称|上报单位|(?<!\S)单位)"
_REPORTING_UNIT_RE = re.compile(rf"{_LABEL}\s*(?:[(（]\s*(?:盖章|公章|签章|章)\s*[)）])?\s*[:：]\s*(.*)")
# What ends the unit name when a title cell goes on: a wide gap or the next label.
_NEXT_LABEL_RE = re.compile(
    r"\s{2,}|\s*(?:填报日期|填报时间|填表日期|报送日期|日期|时间|填表人|填报人|联系人|联系电话|电话|"
    r"金额单位|单位\s*[:：])"
)
# "单位：万元", "单位：元", "单位：吨、万元": a unit of measure, not an organisation.
_MEASURE_RE = re.compile(
    r"(?:人民币)?[十百千万亿]*(?:元|吨|斤|公斤|千克|克|个|件|箱|亩|人|份|次|%|％)(?:$|[\s、,，;；/／)）])"
)
_TITLE_UNIT_RE = re.compile(r"(?<![填报送表])(?:金额)?单位\s*[:：]\s*(万元|元)(?![\u4e00-\u9fff])")
_PLATFORM_RE = re.compile(r"832|脱贫地区农副产品|网络销售平台")


def title_text(cells: Sequence[str]) -> str:
    """A title row as one line: its non-empty cells joined by a space."""
    return " ".join(text for cell in cells if (text := header_text(cell)))


def reporting_unit_in(rows: Sequence[Sequence[str]]) -> str | None:
    """The unit named by "填报单位（盖章）：XX", "填报单位：XX", "报送单位：XX", "单位名称：XX" or "单位：XX"
    in title rows; "单位：万元" and "金额单位：元" name units of measure, not organisations."""
    for cells in rows:
        texts = [header_text(cell) for cell in cells]
        for index, text in enumerate(texts):
            for match in _REPORTING_UNIT_RE.finditer(text):
                value = _NEXT_LABEL_RE.split(match.group(1), maxsplit=1)[0].strip()
                if not value:  # "填报单位（盖章）：" with the name in the next cell
                    value = next((t for t in texts[index + 1 :] if t), "")
                    if _NEXT_LABEL_RE.match(value) or _REPORTING_UNIT_RE.match(value):
                        value = ""
                value = value.strip(" _＿")
                if value and not _MEASURE_RE.match(value):
                    return value
    return None


# A year in a title, sheet or file name: 2022, "2022年", "2022年度", "2022.1.1-2022.6.30" — not part
# of a longer number, and not the year of the date a form was filled in or exported ("填报日期：2023年1月
# 5日" belongs to a 2022 ledger).
_YEAR_RE = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_FULL_DATE_AFTER_RE = re.compile(r"\s*(?:年|[-/.])\s*\d{1,2}\s*(?:月|[-/.])\s*\d{1,2}")
_FILLED_IN_RE = re.compile(r"(?:填报|填表|报送|上报|制表|打印|导出)\D{0,6}$")


def year_in(*texts: str) -> int | None:
    """The one year the texts name (see ``_YEAR_RE``), or None when they name none or several."""
    years = set()
    for text in texts:
        for match in _YEAR_RE.finditer(text):
            if _FULL_DATE_AFTER_RE.match(text, match.end()) and _FILLED_IN_RE.search(text, 0, match.start()):
                continue
            years.add(int(match.group(1)))
    return years.pop() if len(years) == 1 else None


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
