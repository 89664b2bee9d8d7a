"""Reading purchase ledgers and platform exports (.xlsx, .xls, .csv) into classified rows.

Pure Python, no Django: ``open_ledger(path)`` finds each sheet's header under its title rows and maps
the columns; ``LedgerFile.rows()`` streams every row after the header as a :class:`LedgerRow` of kind
"record" (with :class:`PurchaseFields`), "rejected" (with a Chinese reason naming sheet, row and column),
"blank", "total", "note" or "cancelled". Matching units and regions, de-duplication and storage are the
ledger services' job.

Layout: ``model`` (the dataclasses), ``bangfu.common.tables`` (file formats, encodings, python-calamine; shared),
``headers`` (header row and synonyms), ``values`` (amounts, order keys, channels, categories,
cancelled orders), ``rows`` (the per-row classification), ``ledger`` (``open_ledger``).
"""

from .headers import SYNONYMS
from .ledger import LedgerFile, open_ledger
from .model import (
    CATEGORIES,
    CHANNELS,
    FIELDS,
    LedgerReadError,
    LedgerRow,
    PurchaseFields,
    RowKind,
    SheetLayout,
)
from .values import amount_to_fen, normalise_category, normalise_channel, normalise_order_key

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "FIELDS",
    "SYNONYMS",
    "LedgerFile",
    "LedgerReadError",
    "LedgerRow",
    "PurchaseFields",
    "RowKind",
    "SheetLayout",
    "amount_to_fen",
    "normalise_category",
    "normalise_channel",
    "normalise_order_key",
    "open_ledger",
]
