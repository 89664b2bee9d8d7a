"""The unit picker of every form: a drop-down for a handful of units, a search box with suggestions for
thousands.

A city's jurisdiction tree holds thousands of units (every enterprise, school, canteen and union under
every town). A ``<select>`` of 5,000 options is unusable and took 0.8 s to render per page, so above
:data:`SELECT_MAX` units the picker is a text box whose suggestions come from ``web:unit-suggest`` as
the user types (htmx filling a ``<datalist>``). Either way the value is checked against the field's
queryset — the user's scope — so a guessed id or name outside it is a form error, not a way in. The
field accepts a unit's id (links and the drop-down send ids) or any name it is known by.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from bangfu.common.numbers import parse_id
from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import org_name_index

#: Up to this many units the picker is a drop-down.
SELECT_MAX = 300


def unit_label(unit: Organisation) -> str:
    return unit.name if unit.active else f"{unit.name}（已撤销）"


class UnitPicker(forms.Widget):
    """A drop-down or a search box over the field's queryset (set by :class:`UnitChoiceField`)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.queryset: Any = Organisation.objects.none()
        self.empty_label: Any = None
        self.active_only = False

    def format_value(self, value: Any) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, Organisation):
            return str(value.pk)
        return str(value)

    def _units(self) -> Any:
        return self.queryset.order_by("name").only("id", "name", "active")

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        current = self.format_value(value)
        if self.queryset.count() <= SELECT_MAX:
            return self._render_select(name, current, final)
        return self._render_search(name, current, final)

    def _render_select(self, name: str, current: str, attrs: dict[str, Any]) -> SafeString:
        options = []
        if self.empty_label is not None:
            options.append(("", "", self.empty_label))
        for unit in self._units():
            key = str(unit.pk)
            options.append((key, " selected" if key == current else "", unit_label(unit)))
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            forms.utils.flatatt(attrs),
            format_html_join("", '<option value="{}"{}>{}</option>', options),
        )

    def _render_search(self, name: str, current: str, attrs: dict[str, Any]) -> SafeString:
        shown = current
        if parse_id(current) is not None:
            unit = self.queryset.filter(pk=parse_id(current)).only("name", "active").first()
            shown = unit.name if unit is not None else current
        list_id = f"{attrs.get('id') or name}-units"
        url = reverse("unit-suggest")
        query = f"?field={name}" + ("&active=1" if self.active_only else "")
        attrs = {
            **attrs,
            "type": "search",
            "list": list_id,
            "autocomplete": "off",
            "placeholder": str(self.empty_label or _("输入单位名称")),
            "hx-get": url + query,
            "hx-trigger": "input changed delay:250ms",
            "hx-target": f"#{list_id}",
            "hx-swap": "innerHTML",
            "hx-sync": "this:replace",
        }
        return format_html(
            '<input name="{}" value="{}"{}><datalist id="{}"></datalist>',
            name,
            shown,
            forms.utils.flatatt(attrs),
            list_id,
        )


class UnitChoiceField(forms.ModelChoiceField):
    """A unit of the field's queryset, chosen by id or by name (official name, alias, former name,
    with or without the city prefix)."""

    widget = UnitPicker
    default_error_messages = {
        "invalid_choice": _("没有找到该单位，或该单位不在您的范围内；请从提示中选择。"),
    }

    def __init__(self, *args: Any, active_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.widget.empty_label = self.empty_label
        self.widget.active_only = active_only

    def _set_queryset(self, queryset: Any) -> None:
        super()._set_queryset(queryset)  # type: ignore[misc]
        self.widget.queryset = self.queryset if self.queryset is not None else Organisation.objects.none()

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)  # type: ignore[attr-defined]

    def label_from_instance(self, obj: Any) -> str:
        return unit_label(obj)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
        if value in self.empty_values:
            return None
        if isinstance(value, str) and not value.isdigit():
            unit = self.queryset.filter(name=value).first()
            if unit is None:
                match = org_name_index().resolve(value)
                if match.found and not match.ambiguous:
                    unit = self.queryset.filter(pk=match.key).first()
            if unit is None:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
            return unit
        return super().to_python(value)
