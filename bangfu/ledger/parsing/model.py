"""What the ledger reader produces: sheet layouts and a stream of classified rows. Plain data only."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from bangfu.common.tables import TableReadError

#: A file that cannot be read at all (the shared reader's error; the message names the file, in Chinese).
LedgerReadError = TableReadError


class RowKind:
    """The kinds of :class:`LedgerRow`; a plain ``str`` on the row so it compares with literals."""

    RECORD = "record"
    #: A refund or reversal line (负数金额, 退货, 冲红 …): it has a record with a NEGATIVE ``amount_fen``
    #: and ``refund=True``, carrying the order/invoice number of the purchase it reduces. The rule is in
    #: the docstring of :mod:`bangfu.ledger.parsing.rows`.
    REFUND = "refund"
    REJECTED = "rejected"
    BLANK = "blank"
    TOTAL = "total"
    NOTE = "note"
    CANCELLED = "cancelled"
    #: Rows that are not purchases and not errors (BRIEF §7 counts them as ``skipped``).
    SKIPPED = frozenset({BLANK, TOTAL, NOTE, CANCELLED})
    #: Rows that carry a record.
    WITH_RECORD = frozenset({RECORD, REFUND})


#: The normalised channel names (``PurchaseFields.channel``); "" when the file does not say.
CHANNELS = ("832平台", "线下采购", "展销会", "电商平台", "专柜", "其他")
#: The normalised categories (``PurchaseFields.category``); "" when the file does not say.
CATEGORIES = ("食堂食材", "工会慰问品", "企业原料", "个人消费", "其他")
#: Every field a column can be mapped to, in the order of :class:`PurchaseFields`.
FIELDS = (
    "purchaser",
    "date",
    "amount",
    "product",
    "supplier",
    "origin",
    "channel",
    "category",
    "quantity",
    "quantity_unit",
    "order_no",
    "remarks",
    "status",
    "entry_type",
)
#: Each field's name in messages and reports (Chinese).
FIELD_LABELS = {
    "purchaser": "采购单位",
    "date": "日期",
    "amount": "金额",
    "product": "商品",
    "supplier": "供应商",
    "origin": "产地",
    "channel": "采购渠道",
    "category": "采购用途",
    "quantity": "数量",
    "quantity_unit": "计量单位",
    "order_no": "订单号",
    "remarks": "备注",
    "status": "订单状态",
    "entry_type": "单据类型",
}


class PurchaserSource:
    """Where ``PurchaseFields.purchaser`` came from."""

    #: The row's own purchaser cell.
    CELL = "cell"
    #: The caller's ``default_purchaser`` (the cell was empty or the sheet has no purchaser column).
    DEFAULT = "default"
    #: The sheet's "填报单位（盖章）：XX" line (``SheetLayout.reporting_unit``), the cell being empty.
    REPORTING_UNIT = "reporting_unit"


class DatePrecision:
    """How exactly ``PurchaseFields.date`` is known."""

    DAY = "day"
    #: Only the month was written ("2022年3月", "2022-03", "3月份"): the date is that month's last day.
    MONTH = "month"


class MappedBy:
    """How a column got its field (``ColumnMapping.how``)."""

    #: The header is a listed synonym of the field (``headers.SYNONYMS``).
    SYNONYM = "synonym"
    #: The header is not listed but contains the field's word ("产品来源地" → origin).
    KEYWORD = "keyword"
    #: The caller said so (``open_ledger(..., columns=...)``).
    STATED = "stated"
    #: The header names nothing known, but the column's values do: most of its cells are county names
    #: (``headers.origin_by_content``); ``note`` says how many. An inference, reported as such.
    CONTENT = "content"
    #: A bare "单位" beside 数量 or 规格: the unit of the quantity.
    POSITION = "position"
    #: A 序号 column (used to tell a numbered empty row from a record).
    SEQUENCE = "sequence"
    #: A refund or after-sale status column (退款状态, 售后状态): can mark an order cancelled.
    REFUND_STATUS = "refund_status"
    #: Names a field that a better-named column of the sheet holds (下单时间 beside 支付时间).
    SHADOWED = "shadowed"
    #: Recognised as something a purchase does not need (单价, 运费, 联系电话, 发货地 …); ``note`` says why.
    NOT_USED = "not_used"
    #: Not recognised: its values are kept in ``raw`` only (shown as "未识别").
    UNRECOGNISED = "unrecognised"
    #: The header cell is empty.
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """One column of a sheet's header row and what the reader makes of it."""

    #: 0-based column index.
    index: int
    #: The header cell as written (whitespace tidied).
    header: str
    #: The field whose values this column gives (see :data:`FIELDS`), or None.
    field: str | None
    #: One of the :class:`MappedBy` values.
    how: str
    #: A Chinese explanation where there is something to say: the field a shadowed column names and
    #: the column that won, or why a recognised column is not used ("发货地是发货的地点，不是产地").
    note: str = ""

    @property
    def label(self) -> str:
        """Chinese, for a mapping table: the field's name, or "未识别", "不导入"…"""
        if self.field is not None:
            return FIELD_LABELS.get(self.field, self.field)
        return _HOW_LABELS.get(self.how, "未识别")


_HOW_LABELS = {
    MappedBy.SEQUENCE: "序号",
    MappedBy.REFUND_STATUS: "退款状态",
    MappedBy.SHADOWED: "未使用（同类列已取用）",
    MappedBy.NOT_USED: "不导入",
    MappedBy.UNRECOGNISED: "未识别",
    MappedBy.EMPTY: "（空表头）",
}


class Confidence:
    """How sure :class:`ChannelGuess` is."""

    #: The caller said so (``open_ledger(..., channel=...)``).
    STATED = "stated"
    #: The file says so: its name, a sheet name, a title row or a header names the platform.
    CERTAIN = "certain"
    #: The content looks like a platform export (its columns and values), but nothing names the platform.
    INFERRED = "inferred"
    #: Nothing says which channel the purchases went through.
    UNKNOWN = "unknown"


class ChannelGuess(NamedTuple):
    """The channel of a whole file (the default for rows without a channel cell), with the evidence;
    a tuple ``(channel, confidence, reason)``."""

    #: One of :data:`CHANNELS`, or "" when unknown.
    channel: str
    #: One of the :class:`Confidence` values.
    confidence: str
    #: Chinese: what the decision rests on ("文件名“832平台订单导出.csv”提到832平台"; "列：订单编号、…").
    reason: str


@dataclass(slots=True)
class PurchaseFields:
    """One purchase as read from a row, normalised but not yet matched to units or regions."""

    purchaser: str
    date: datetime.date
    amount_fen: int
    product: str
    supplier: str
    origin: str
    channel: str
    category: str
    quantity: Decimal | None
    quantity_unit: str
    order_no: str
    #: The order/invoice number as a de-duplication key (see ``values.normalise_order_key``).
    order_key: str
    remarks: str
    status: str
    #: "day", or "month" when only the month was written (the date is then the month's last day).
    date_precision: str = DatePrecision.DAY
    #: Where the purchaser came from: :class:`PurchaserSource` ("cell", "default", "reporting_unit").
    purchaser_from: str = PurchaserSource.CELL
    #: A refund or reversal line: ``amount_fen`` is negative (``LedgerRow.kind`` is "refund").
    refund: bool = False
    #: The text of a 单据类型/业务类型 column ("退货", "销售"), as written.
    entry_type: str = ""


@dataclass(slots=True)
class LedgerRow:
    """One row of a sheet after its header, as it was in the file and what it turned out to be."""

    sheet: str
    #: 1-based, as a person sees it in Excel or in the CSV opened in Excel (title and header rows count).
    row: int
    #: The original cell values as text (Excel numbers via ``str()``, integral floats without ``.0``,
    #: dates in ISO form); kept for rejected rows so they can be fixed and re-imported.
    raw: tuple[str, ...]
    kind: str
    #: Chinese, naming sheet, row and (where there is one) column; "" for records; for a refund, why
    #: the row is one.
    reason: str = ""
    record: PurchaseFields | None = None


@dataclass(slots=True)
class SheetLayout:
    """Where the data of one sheet is: its header row and which column holds which field."""

    name: str
    #: 1-based row number of the header.
    header_row: int
    #: Header cells as written (whitespace tidied), one per column.
    headers: list[str]
    #: Field name (see :data:`FIELDS`) → 0-based column index.
    columns: dict[str, int]
    #: 元 per unit of a bare number in the amount column: 1, or 10000 for a 万元 column.
    amount_scale: Decimal = Decimal(1)
    #: Non-empty rows above the header, their cells joined by a space.
    title_rows: list[str] = field(default_factory=list)
    #: Quantity unit from the quantity header, e.g. "斤" for "数量（斤）", used when no unit column exists.
    quantity_unit: str = ""
    #: Column of a 序号 (sequence number), if any; a row with only that filled in is blank.
    seq_column: int | None = None
    #: Further columns that can mark an order cancelled (退款状态, 售后状态).
    refund_columns: list[int] = field(default_factory=list)
    #: Every column of the header row and what it was taken for, in column order (the mapping report).
    mapping: list[ColumnMapping] = field(default_factory=list)
    #: The unit named by a "填报单位（盖章）：XX" line above the header (or on a cover sheet); rows with an
    #: empty purchaser are given it (``PurchaseFields.purchaser_from == "reporting_unit"``) unless the
    #: caller gave a default purchaser.
    reporting_unit: str | None = None
    #: The year a month written without one ("3月份") belongs to: the one year named by the sheet's
    #: title rows, else by the sheet name, else by the file name, else the caller's ``year``; None when
    #: nothing says (such rows are rejected with the reason).
    year: int | None = None
    #: The channel of this sheet's purchases (the default of rows without a channel cell), with its
    #: evidence: set once the whole file is read (see ``channels.guess_channel``).
    channel_guess: ChannelGuess | None = None

    @property
    def unmapped(self) -> list[ColumnMapping]:
        """Columns with a header that the reader did not recognise ("未识别")."""
        return [column for column in self.mapping if column.how == MappedBy.UNRECOGNISED]

    @property
    def missing(self) -> list[str]:
        """The fields of :data:`FIELDS` that no column of this sheet gives, in that order."""
        return [name for name in FIELDS if name not in self.columns]
