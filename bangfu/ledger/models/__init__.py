from .batches import ImportBatch, RejectedRow
from .catalog import Product, Supplier
from .purchases import Purchase, PurchaseSighting

__all__ = ["ImportBatch", "Product", "Purchase", "PurchaseSighting", "RejectedRow", "Supplier"]
