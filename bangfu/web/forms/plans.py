"""Forms of the plan-import page: upload, and the review of every parsed item and target."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from bangfu.plans.choices import BaseKind, TargetKind, TargetScope


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


class NameListWidget(forms.Widget):
    """A list of units and groups: one ticked box per name (untick to remove it) and a search box to add
    one unit or group, with suggestions from ``unit-suggest`` (groups included). A name is one value,
    never text to split, so "党政机关、学校、医院食堂（餐厅）" stays one group."""

    @staticmethod
    def names(value: Any) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            return [value]
        return [str(name) for name in value]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name) or []
        if isinstance(values, str):
            values = [values]
        return list(dict.fromkeys(value.strip() for value in values if value and value.strip()))

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False  # no box ticked is an empty list, not a missing field

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        list_id = f"{final.get('id') or name}-names"
        url = reverse("unit-suggest") + f"?field={name}&groups=1"
        chips = format_html_join(
            "",
            '<label class="chip"><input type="checkbox" name="{}" value="{}" checked> {}</label>',
            ((name, written, written) for written in self.names(value)),
        )
        return format_html(
            '<div class="name-list">{}<input type="search" name="{}" value="" list="{}" autocomplete="off" '
            'placeholder="{}" hx-get="{}" hx-trigger="input changed delay:250ms" hx-target="#{}" '
            'hx-swap="innerHTML" hx-sync="this:replace"><datalist id="{}"></datalist></div>',
            chips,
            name,
            list_id,
            _("添加单位或单位组"),
            url,
            list_id,
            list_id,
        )


class NameListField(forms.Field):
    """The units and groups of a role or a target, as a list of names."""

    widget = NameListWidget

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            return [value.strip()] if value.strip() else []
        return [str(name).strip() for name in value if str(name).strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(initial) != self.to_python(data)


class NamesCheckedForm(forms.Form):
    """A form whose name lists accept what the table wrote and, added by hand, only units and groups the
    database knows (``unknown_names`` tells which of some names it does not)."""

    name_fields: tuple[str, ...] = ()

    def __init__(
        self, *args: Any, unknown_names: Callable[[list[str]], list[str]] | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.unknown_names = unknown_names

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field in self.name_fields:
            written = set(self.initial.get(field) or [])
            added = [name for name in data.get(field) or [] if name not in written]
            unknown = self.unknown_names(added) if added and self.unknown_names is not None else []
            if unknown:
                self.add_error(
                    field,
                    _("未找到单位或单位组：%(names)s。请从输入时的提示中选择。")
                    % {"names": "；".join(unknown)},
                )
        return data


class ItemReviewForm(NamesCheckedForm):
    name_fields = ("lead", "responsible", "cooperating")

    content = forms.CharField(label=_("工作内容"), widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.CharField(label=_("完成时限"), required=False)
    lead = NameListField(
        label=_("牵头单位"), required=False, help_text=_("取消勾选即移除；在输入框中选择以添加")
    )
    responsible = NameListField(label=_("责任单位"), required=False)
    cooperating = NameListField(label=_("配合单位"), required=False)


class TargetReviewForm(NamesCheckedForm):
    name_fields = ("orgs",)

    kind = forms.ChoiceField(label=_("类型"), choices=TargetKind.choices)
    value = forms.CharField(
        label=_("数值"), max_length=40, help_text=_("金额、人均按元；比例写百分数，如 20 或 20%"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10}),
    )  # fmt: skip
    unit = forms.CharField(label=_("单位"), required=False)
    orgs = NameListField(label=_("适用单位"), required=False)
    scope = forms.ChoiceField(label=_("适用方式"), choices=TargetScope.choices)
    channel = forms.CharField(label=_("渠道要求"), required=False)
    base_kind = forms.ChoiceField(label=_("基数类型"), choices=BaseKind.choices, required=False)
    text = forms.CharField(label=_("原文"), required=False)
    delete = forms.BooleanField(label=_("删除"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        return _value_checked(self, data)


#: Decimal places a target's value keeps (a ratio to 0.0001 %).
DECIMAL_PLACES = 6


def _number(text: str) -> tuple[Decimal | None, bool]:
    """A number typed in the review (full-width digits, thousands separators, a trailing %): the exact
    Decimal and whether a % sign was written; None when it is no number."""
    written = unicodedata.normalize("NFKC", text or "").strip().replace(",", "").replace(" ", "")
    percent = written.endswith("%")
    written = written.removesuffix("%")
    try:
        value = Decimal(written)
    except InvalidOperation:
        return None, percent
    return (value if value.is_finite() else None), percent


def _value_checked(form: forms.Form, data: dict[str, Any]) -> dict[str, Any]:
    """``value`` as the draft keeps it: a ratio typed as a percent (20 or 20%) becomes the exact
    fraction 0.2; other kinds as written (yuan, counts)."""
    text = data.get("value")
    if text in (None, ""):
        data["value"] = None
        return data
    value, _percent = _number(str(text))
    if value is None or value < 0:
        form.add_error("value", _("“%(text)s”不是有效的数值。") % {"text": str(text)[:20]})
        data["value"] = None
        return data
    if data.get("kind") == TargetKind.RATIO:
        if not 0 < value <= 100:
            form.add_error("value", _("比例应在 0 到 100% 之间，如 20%（写 20 或 20%）。"))
            data["value"] = None
            return data
        value = value / 100
    exponent = value.normalize().as_tuple().exponent
    if (isinstance(exponent, int) and -exponent > DECIMAL_PLACES) or value >= 10**14:
        form.add_error("value", _("数值过大或小数位过多（比例最多精确到 0.0001%）。"))
        data["value"] = None
        return data
    data["value"] = value
    return data


def value_shown(kind: str, value: Any) -> str:
    """A stored value as the review shows it: a ratio as a percent (0.2 → 20%)."""
    if value in (None, ""):
        return ""
    number = Decimal(str(value))
    if kind == TargetKind.RATIO:
        return format((number * 100).normalize(), "f") + "%"
    return format(number.normalize(), "f")


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
        data = NamesCheckedForm.clean(self)
        if not data.get("kind"):
            data["value"] = None
            return data
        if not data.get("value"):
            self.add_error("value", _("请填写数值。"))
            return data
        return _value_checked(self, data)

    @property
    def filled(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data.get("kind"))


def target_initial(target: dict[str, Any]) -> dict[str, Any]:
    value = value_shown(target.get("kind", ""), target.get("value"))
    return {**target, "value": value, "orgs": list(target.get("orgs") or []), "delete": False}


def item_initial(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "content": item["content"],
        "deadline": item.get("deadline") or "",
        "lead": list(item.get("lead") or []),
        "responsible": list(item.get("responsible") or []),
        "cooperating": list(item.get("cooperating") or []),
    }


def target_data(cleaned: dict[str, Any], original: dict[str, Any] | None = None) -> dict[str, Any]:
    """A target as the draft keeps it (``ParsedTarget.to_dict()``), from its form; ``parent`` is the
    original's and is renumbered by :func:`renumber_parents` once deleted targets are gone."""
    original = original or {}
    return {
        "kind": cleaned["kind"],
        "value": format(cleaned["value"].normalize(), "f"),
        "unit": cleaned.get("unit") or original.get("unit") or "",
        "orgs": list(cleaned.get("orgs") or []),
        "text": cleaned.get("text") or original.get("text") or "",
        "scope": cleaned.get("scope") or TargetScope.EACH,
        "base": original.get("base", ""),
        "base_kind": cleaned.get("base_kind") or "",
        "channel": cleaned.get("channel") or "",
        "parent": original.get("parent"),
    }


def renumber_parents(kept: list[tuple[int | None, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Targets kept after deletions, as ``(original index or None for an added one, data)``: each
    ``parent`` (an index into the original list) now points into the kept list, or is dropped when its
    parent was deleted."""
    position = {index: new for new, (index, _data) in enumerate(kept) if index is not None}
    targets = []
    for _index, data in kept:
        parent = data.get("parent")
        targets.append({**data, "parent": position.get(parent) if parent is not None else None})
    return targets


def item_data(
    cleaned: dict[str, Any], original: dict[str, Any], targets: list[dict[str, Any]]
) -> dict[str, Any]:
    data = {key: value for key, value in original.items() if key not in ("warnings", "qualitative")}
    return {
        **data,
        "content": cleaned["content"].strip(),
        "deadline": cleaned.get("deadline") or None,
        "lead": list(cleaned.get("lead") or []),
        "responsible": list(cleaned.get("responsible") or []),
        "cooperating": list(cleaned.get("cooperating") or []),
        "targets": targets,
    }
