"""The review queue's selection: purchase records and activities ticked together, one action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bangfu.common.numbers import parse_id


class IdsField(forms.Field):
    """Ids ticked on a page: ASCII digits, each within any integer column (``parse_id``)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        ids = []
        for text in value or []:
            pk = parse_id(text)
            if pk is None:
                raise ValidationError(_("所选记录无效。"))
            ids.append(pk)
        return sorted(set(ids))


class QueueReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("审核通过")), ("return", _("退回"))])
    purchase = IdsField(required=False)
    activity = IdsField(required=False)
    comment = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("purchase") and not data.get("activity"):
            raise ValidationError(_("请先勾选记录。"))
        if data.get("action") == "return" and not (data.get("comment") or "").strip():
            raise ValidationError(_("退回时请填写审核意见，说明需要如何修改。"))
        return data
