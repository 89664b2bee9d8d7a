"""Reading purchase ledgers and platform exports (.xlsx, .xls, .csv) into classified rows.

Pure Python, no Django: ``open_ledger(path)`` finds each sheet's header under its title rows and maps
the columns (``SheetLayout.mapping`` reports every column: its field, or why none); ``LedgerFile.rows()``
streams every row after the header as a :class:`LedgerRow` of kind "record" (with :class:`PurchaseFields`),
"refund" (a record with a negative amount), "rejected" (with a Chinese reason naming sheet, row and
column), "blank", "total", "note" or "cancelled". ``LedgerFile.channel_guess`` says which channel the
file's purchases went through and why; ``infer_origin`` names the county a record's product, supplier or
remarks point to when its origin is empty. Matching units and regions, de-duplication and storage are
the ledger services' job.

Layout: ``model`` (the dataclasses), ``bangfu.common.tables`` (file formats, encodings, python-calamine;
shared), ``headers`` (header row, synonyms, the mapping report, title lines), ``values`` (amounts, order
keys, channels, categories, refund and cancellation words), ``rows`` (the per-row classification and the
refund rule), ``channels`` (the file's channel), ``origins`` (inferring an origin), ``ledger``
(``open_ledger``).
"""

from .channels import PLATFORM_STATUSES
from .headers import SYNONYMS
from .ledger import LedgerFile, open_ledger
from .model import (
    CATEGORIES,
    CHANNELS,
    FIELD_LABELS,
    FIELDS,
    ChannelGuess,
    ColumnMapping,
    Confidence,
    DatePrecision,
    LedgerReadError,
    LedgerRow,
    MappedBy,
    PurchaseFields,
    PurchaserSource,
    RowKind,
    SheetLayout,
)
from .origins import ORIGIN_SOURCES, OriginGuess, infer_origin
from .values import amount_to_fen, normalise_category, normalise_channel, normalise_order_key

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "FIELDS",
    "FIELD_LABELS",
    "ORIGIN_SOURCES",
    "PLATFORM_STATUSES",
    "SYNONYMS",
    "ChannelGuess",
    "ColumnMapping",
    "Confidence",
    "DatePrecision",
    "LedgerFile",
    "LedgerReadError",
    "LedgerRow",
    "MappedBy",
    "OriginGuess",
    "PurchaseFields",
    "PurchaserSource",
    "RowKind",
    "SheetLayout",
    "amount_to_fen",
    "infer_origin",
    "normalise_category",
    "normalise_channel",
    "normalise_order_key",
    "open_ledger",
]
