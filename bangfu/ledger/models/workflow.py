from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import ApprovalAction, RecordStatus
from .purchases import Purchase


class ApprovalEvent(models.Model):
    """One step of a purchase record's review: submitted, approved, returned, changed or reopened.

    ``changes`` holds what a change altered, ``{field: [before, after]}`` with JSON values (amounts in
    fen, dates as ISO text, the purchaser by name). The field-level audit trail (django-auditlog) keeps
    every save; these events are the workflow history the reviewers read.
    """

    purchase = models.ForeignKey(
        Purchase, verbose_name=_("采购记录"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=10, choices=ApprovalAction.choices)
    from_status = models.CharField(_("原状态"), max_length=10, choices=RecordStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=10, choices=RecordStatus.choices)
    comment = models.TextField(_("意见"), blank=True)
    changes = models.JSONField(_("修改内容"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["purchase_id", "id"]

    def __str__(self) -> str:
        return f"{self.purchase_id} {self.get_action_display()} {self.from_status}→{self.to_status}"
