"""Forms of the plan-import page: upload, and the review of every parsed item and target."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from bangfu.plans.choices import BaseKind, TargetKind, TargetScope

_SEPARATORS = re.compile(r"[、，,；;\n]+")


class PlanUploadForm(forms.Form):
    file = forms.FileField(label=_("任务分解表文件（.docx / .xlsx / .xls / .txt）"))
    year = forms.IntegerField(
        label=_("年度（标题中没有年度时填写）"), required=False, min_value=2000, max_value=2100
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if suffix not in (".docx", ".xlsx", ".xlsm", ".xls", ".txt", ".csv"):
            raise forms.ValidationError(_("只接受 .docx、.xlsx、.xls、.txt 文件。"))
        if upload.size > settings.BANGFU_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("文件过大。"))
        return upload


def names_text(names: list[str]) -> str:
    return "、".join(names)


def names_list(text: str) -> list[str]:
    return [name.strip() for name in _SEPARATORS.split(text or "") if name.strip()]


class ItemReviewForm(forms.Form):
    content = forms.CharField(label=_("工作内容"), widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.CharField(label=_("完成时限"), required=False)
    lead = forms.CharField(label=_("牵头单位"), required=False, help_text=_("多个单位用顿号“、”分隔"))
    responsible = forms.CharField(label=_("责任单位"), required=False)
    cooperating = forms.CharField(label=_("配合单位"), required=False)


class TargetReviewForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=TargetKind.choices)
    value = forms.DecimalField(
        label=_("数值"), max_digits=18, decimal_places=4, min_value=Decimal(0),
        help_text=_("金额、人均按元；比例写小数，如 0.2"),
    )  # fmt: skip
    unit = forms.CharField(label=_("单位"), required=False)
    orgs = forms.CharField(label=_("适用单位"), required=False, help_text=_("多个单位用顿号“、”分隔"))
    scope = forms.ChoiceField(label=_("适用方式"), choices=TargetScope.choices)
    channel = forms.CharField(label=_("渠道要求"), required=False)
    base_kind = forms.ChoiceField(label=_("基数类型"), choices=BaseKind.choices, required=False)
    text = forms.CharField(label=_("原文"), required=False)
    delete = forms.BooleanField(label=_("删除"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("kind") == TargetKind.RATIO
            and data.get("value") is not None
            and not 0 < data["value"] <= 1
        ):
            self.add_error("value", _("比例应写成 0 到 1 之间的小数，如 20% 写 0.2。"))
        return data


class NewTargetForm(TargetReviewForm):
    """An extra, optional target row per item, for a target the parser missed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [("", "—"), *TargetKind.choices]

    def clean(self) -> dict[str, Any]:
        data = forms.Form.clean(self) or {}
        if data.get("kind") and data.get("value") is None:
            self.add_error("value", _("请填写数值。"))
        return data

    @property
    def filled(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data.get("kind"))


def target_initial(target: dict[str, Any]) -> dict[str, Any]:
    return {**target, "orgs": names_text(target.get("orgs") or []), "delete": False}


def item_initial(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "content": item["content"],
        "deadline": item.get("deadline") or "",
        "lead": names_text(item.get("lead") or []),
        "responsible": names_text(item.get("responsible") or []),
        "cooperating": names_text(item.get("cooperating") or []),
    }


def target_data(cleaned: dict[str, Any], original: dict[str, Any] | None = None) -> dict[str, Any]:
    original = original or {}
    return {
        "kind": cleaned["kind"],
        "value": str(cleaned["value"].normalize()),
        "unit": cleaned.get("unit") or original.get("unit") or "",
        "orgs": names_list(cleaned.get("orgs", "")),
        "text": cleaned.get("text") or original.get("text") or "",
        "scope": cleaned.get("scope") or TargetScope.EACH,
        "base": original.get("base", ""),
        "base_kind": cleaned.get("base_kind") or "",
        "channel": cleaned.get("channel") or "",
        "parent": original.get("parent"),
    }


def item_data(
    cleaned: dict[str, Any], original: dict[str, Any], targets: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        **original,
        "content": cleaned["content"].strip(),
        "deadline": cleaned.get("deadline") or None,
        "lead": names_list(cleaned.get("lead", "")),
        "responsible": names_list(cleaned.get("responsible", "")),
        "cooperating": names_list(cleaned.get("cooperating", "")),
        "targets": targets,
        "qualitative": not targets,
    }
