"""A unit's contact (联系人、电话、邮箱、群机器人): the form; validation is the model's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.notifications.models import UnitContact


class ContactForm(forms.ModelForm):
    class Meta:
        model = UnitContact
        fields = ["person", "phone", "emails", "webhook_url", "webhook_secret"]
        widgets = {
            "emails": forms.Textarea(attrs={"rows": 2}),
            "webhook_secret": forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }
        help_texts = {"webhook_secret": _("留空则保留已保存的密钥；清空群机器人地址时一并清除。")}
