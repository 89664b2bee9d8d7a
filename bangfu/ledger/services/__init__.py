from .imports import ImportSummary, LedgerImportError, ledger_import
from .purchases import purchase_create

__all__ = ["ImportSummary", "LedgerImportError", "ledger_import", "purchase_create"]
