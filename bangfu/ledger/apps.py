from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "bangfu.ledger"
    verbose_name = _("采购台账")

    def ready(self) -> None:
        from bangfu.orgs.services import MERGE_HOOKS

        from .totals import totals_after_merge

        if totals_after_merge not in MERGE_HOOKS:
            MERGE_HOOKS.append(totals_after_merge)
