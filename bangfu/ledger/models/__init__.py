from .batches import ImportBatch, RejectedRow
from .catalog import Product, Supplier
from .flags import PurchaseFlag
from .purchases import Purchase, PurchaseSighting
from .totals import PurchaseTotal, TotalsChange
from .uploads import Upload
from .workflow import ApprovalEvent

__all__ = [
    "ApprovalEvent",
    "ImportBatch",
    "Product",
    "Purchase",
    "PurchaseFlag",
    "PurchaseSighting",
    "PurchaseTotal",
    "RejectedRow",
    "Supplier",
    "TotalsChange",
    "Upload",
]
