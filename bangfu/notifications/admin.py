from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Reminder, UnitContact
from .services import reminders_requeue
from .webhook import mask_url


class UnitContactForm(forms.ModelForm):
    """The signing secret is never shown again: left empty it stays as it is; "清除" removes it."""

    webhook_secret = forms.CharField(
        label=_("加签密钥"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("群机器人安全设置中的“加签”密钥（SEC 开头）。留空则保持原密钥不变。"),
    )
    clear_secret = forms.BooleanField(label=_("清除加签密钥"), required=False)

    class Meta:
        model = UnitContact
        fields = ["unit", "emails", "webhook_url", "webhook_secret"]

    def clean_webhook_secret(self) -> str:
        entered = self.cleaned_data.get("webhook_secret", "").strip()
        if self.data.get(self.add_prefix("clear_secret")):
            return ""
        return entered or (self.instance.webhook_secret if self.instance.pk else "")


@admin.register(UnitContact)
class UnitContactAdmin(admin.ModelAdmin):
    form = UnitContactForm
    list_display = ["unit", "emails", "robot", "signed", "updated_at"]
    search_fields = ["unit__name", "emails"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]

    @admin.display(description=_("群机器人"))
    def robot(self, obj: UnitContact) -> str:
        return mask_url(obj.webhook_url) if obj.webhook_url else "—"

    @admin.display(description=_("加签"), boolean=True)
    def signed(self, obj: UnitContact) -> bool:
        return bool(obj.webhook_secret)


_REMINDER_FIELDS = (
    "plan",
    "period",
    "as_of",
    "unit",
    "reason",
    "channel",
    "recipient_shown",
    "subject",
    "body",
    "status",
    "attempts",
    "last_error",
    "next_attempt_at",
    "sent_at",
    "created_by",
    "created_at",
)


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The delivery log: read-only, with one action — send failed reminders again."""

    list_display = [
        "period",
        "unit",
        "reason",
        "channel",
        "recipient_shown",
        "status_shown",
        "attempts",
        "sent_at",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "channel", "reason", "period"]
    search_fields = ["unit__name", "recipient", "subject"]
    list_select_related = ["unit"]
    date_hierarchy = "created_at"
    actions = ["requeue"]
    fields = _REMINDER_FIELDS
    readonly_fields = _REMINDER_FIELDS

    @admin.display(description=_("接收方"))
    def recipient_shown(self, obj: Reminder) -> str:
        return obj.recipient_display

    @admin.display(description=_("状态"), ordering="status")
    def status_shown(self, obj: Reminder) -> str:
        return obj.status_label

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_requeue_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.change_reminder")

    @admin.action(description=_("重新发送所选的发送失败提醒"), permissions=["requeue"])
    def requeue(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        count = reminders_requeue(queryset, now=timezone.now())
        self.message_user(
            request,
            _("已将 %(n)d 条发送失败的提醒重新排队，将在下次运行 bangfu remind --retry 时发送。")
            % {"n": count},
            messages.SUCCESS,
        )
