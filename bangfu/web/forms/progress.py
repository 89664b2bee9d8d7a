"""Forms of the progress pages: year and as-of date, filters, base values, the reporting calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.common.money import MAX_YUAN, yuan_to_fen
from bangfu.common.numbers import parse_amount_yuan
from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import org_name_index
from bangfu.plans.models import Plan
from bangfu.progress.rules import default_as_of


class DateInput(forms.DateInput):
    """A browser date picker; its value must be ISO (yyyy-mm-dd) whatever the language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    """Which plan (year) and as of which date. Invalid or missing values fall back to the defaults:
    the latest plan, today capped to the plan's year."""

    year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False)
    as_of = forms.DateField(label=_("截至日期"), required=False, widget=DateInput)

    def __init__(self, data: Any, *, plans: Sequence[Plan]) -> None:
        super().__init__(data)
        self.plans = list(plans)
        self.fields["year"].choices = [(p.year, str(p.year)) for p in self.plans]  # type: ignore[attr-defined]

    def resolve(self) -> tuple[Plan | None, dt.date]:
        cleaned = self.cleaned_data if self.is_valid() else {}
        year = cleaned.get("year")
        plan = next((p for p in self.plans if p.year == year), None) if year else None
        plan = plan or (self.plans[0] if self.plans else None)
        if plan is None:
            return None, timezone.localdate()
        as_of = cleaned.get("as_of")
        if as_of is None or as_of.year != plan.year:
            as_of = default_as_of(plan.year)
        if not self.is_bound:
            self.initial = {"year": plan.year, "as_of": as_of}
        return plan, as_of


class ReminderFilterForm(forms.Form):
    town = forms.TypedChoiceField(label=_("镇（街道）"), coerce=int, required=False, empty_value=None)
    lead = forms.TypedChoiceField(label=_("牵头单位"), coerce=int, required=False, empty_value=None)

    def __init__(
        self, data: Any, *, towns: Sequence[Organisation], leads: Sequence[Organisation] = ()
    ) -> None:
        super().__init__(data)
        everyone = [("", _("全部"))]
        self.fields["town"].choices = everyone + [(o.pk, o.name) for o in towns]  # type: ignore[attr-defined]
        self.fields["lead"].choices = everyone + [(o.pk, o.name) for o in leads]  # type: ignore[attr-defined]

    def value(self, name: str) -> int | None:
        return self.cleaned_data.get(name) if self.is_valid() else None


class ReportingCalendarForm(forms.Form):
    due_day = forms.IntegerField(
        label=_("每月报送截止日"),
        min_value=1,
        max_value=28,
        help_text=_("各单位于每月该日（含）前报送上月数据，取1—28。"),
    )


def _amount(text: str, label: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    yuan = parse_amount_yuan(text)
    if yuan is None or yuan < 0 or yuan >= MAX_YUAN:
        raise forms.ValidationError(
            _("“%(text)s”不是有效的%(label)s，请填写金额，如 125000、12.5万"),
            params={"text": text, "label": label},
        )
    return yuan_to_fen(yuan)


class BaseValueForm(forms.Form):
    """A unit's base values for a year. Amounts in 元 (or with a unit: 12.5万); links by unit name."""

    member_count = forms.IntegerField(
        label=_("职工（会员）人数"), min_value=0, max_value=10_000_000, required=False
    )
    holiday_gift = forms.CharField(
        label=_("法定节假日慰问品总金额（元）"), required=False, help_text=_("可填写如 125000 或 12.5万。")
    )
    food_budget = forms.CharField(
        label=_("食堂食材采购预算（元）"), required=False, help_text=_("可填写如 800000 或 80万。")
    )
    no_canteen = forms.BooleanField(label=_("无食堂（免于食堂采购比例考核）"), required=False)
    canteen_representative = forms.CharField(
        label=_("共用食堂的代表单位"), required=False, max_length=100, help_text=_("填写单位名称。")
    )
    counts_for = forms.CharField(
        label=_("采购计入单位"),
        required=False,
        max_length=100,
        help_text=_("如外包食堂的采购计入所服务的单位，填写单位名称。"),
    )
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, unit: Organisation, may_link: Any, **kwargs: Any) -> None:
        """``may_link(unit_id) → bool`` says whether the user may point a base at that unit."""
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.may_link = may_link

    @classmethod
    def initial_for(cls, base: Any) -> dict[str, Any]:
        if base is None:
            return {}
        return {
            "member_count": base.member_count,
            "holiday_gift": _yuan_text(base.holiday_gift_fen),
            "food_budget": _yuan_text(base.food_budget_fen),
            "no_canteen": base.no_canteen,
            "canteen_representative": base.canteen_representative.name if base.canteen_representative else "",
            "counts_for": base.counts_for.name if base.counts_for else "",
            "notes": base.notes,
        }

    def clean_holiday_gift(self) -> int | None:
        return _amount(self.cleaned_data["holiday_gift"], "慰问品总金额")

    def clean_food_budget(self) -> int | None:
        return _amount(self.cleaned_data["food_budget"], "采购预算")

    def _unit(self, field: str) -> Organisation | None:
        name = (self.cleaned_data.get(field) or "").strip()
        if not name:
            return None
        key = org_name_index().resolve(name).key
        if key is None:
            raise forms.ValidationError(_("未找到单位“%(name)s”。"), params={"name": name})
        if key == self.unit.pk:
            raise forms.ValidationError(_("不能填写本单位。"))
        if not self.may_link(key):
            raise forms.ValidationError(
                _("“%(name)s”不在本单位管辖范围内，请联系管理员设置。"), params={"name": name}
            )
        return Organisation.objects.get(pk=key)

    def clean_canteen_representative(self) -> Organisation | None:
        return self._unit("canteen_representative")

    def clean_counts_for(self) -> Organisation | None:
        return self._unit("counts_for")

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "member_count": data["member_count"],
            "holiday_gift_fen": data["holiday_gift"],
            "food_budget_fen": data["food_budget"],
            "no_canteen": data["no_canteen"],
            "canteen_representative": data["canteen_representative"],
            "counts_for": data["counts_for"],
            "notes": data["notes"],
        }


def _yuan_text(fen: int | None) -> str:
    return "" if fen is None else f"{(Decimal(fen) / 100).quantize(Decimal('0.01')):f}"


class BaseUploadForm(forms.Form):
    file = forms.FileField(
        label=_("基数表"), help_text=_("Excel（.xlsx/.xls）或 CSV：每行一个单位，含单位名称和基数各列。")
    )

    SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        if not name.lower().endswith(self.SUFFIXES):
            raise forms.ValidationError(_("只接受 Excel（.xlsx、.xls）或 CSV 文件。"))
        if upload.size > settings.BANGFU_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("文件过大。"))
        return upload
