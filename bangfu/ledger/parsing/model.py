"""What the ledger reader produces: sheet layouts and a stream of classified rows. Plain data only."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from bangfu.common.tables import TableReadError

#: A file that cannot be read at all (the shared reader's error; the message names the file, in Chinese).
LedgerReadError = TableReadError


class RowKind:
    """The kinds of :class:`LedgerRow`; a plain ``str`` on the row so it compares with literals."""

    RECORD = "record"
    REJECTED = "rejected"
    BLANK = "blank"
    TOTAL = "total"
    NOTE = "note"
    CANCELLED = "cancelled"
    #: Rows that are not purchases and not errors (BRIEF §7 counts them as ``skipped``).
    SKIPPED = frozenset({BLANK, TOTAL, NOTE, CANCELLED})


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
)


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
    #: Chinese, naming sheet, row and (where there is one) column; "" for records.
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

    def header_of(self, field_name: str) -> str:
        """The header text of a mapped field, as written in the file."""
        return self.headers[self.columns[field_name]]
