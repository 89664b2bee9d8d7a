from .imports import ImportSummary, LedgerImportError, ledger_import
from .purchases import purchase_create
from .workflow import (
    EDITABLE_FIELDS,
    WorkflowError,
    purchase_approve,
    purchase_delete,
    purchase_enter,
    purchase_reopen,
    purchase_require_deletable,
    purchase_return,
    purchase_submit,
    purchase_update,
)

__all__ = [
    "EDITABLE_FIELDS",
    "ImportSummary",
    "LedgerImportError",
    "WorkflowError",
    "ledger_import",
    "purchase_approve",
    "purchase_create",
    "purchase_delete",
    "purchase_enter",
    "purchase_reopen",
    "purchase_require_deletable",
    "purchase_return",
    "purchase_submit",
    "purchase_update",
]
