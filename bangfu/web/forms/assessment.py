"""Forms of the assessment pages: which scheme and as of which date, publishing, veto records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.assessment.models import Scheme
from bangfu.orgs.models import Organisation
from bangfu.progress.rules import default_as_of
from bangfu.web.forms.progress import DateInput


class AssessmentPeriodForm(forms.Form):
    """Which scheme (year) and as of which date (``?scheme=&as_of=``). Invalid or missing values fall
    back to the defaults: the newest scheme, today kept inside its year."""

    scheme = forms.TypedChoiceField(label=_("考核办法"), coerce=int, required=False)
    as_of = forms.DateField(label=_("截至日期"), required=False, widget=DateInput)

    def __init__(self, data: Any, *, schemes: Sequence[Scheme]) -> None:
        super().__init__(data)
        self.schemes = list(schemes)
        self.fields["scheme"].choices = [  # type: ignore[attr-defined]
            (s.pk, scheme_label(s)) for s in self.schemes
        ]

    def resolve(self) -> tuple[Scheme | None, dt.date]:
        cleaned = self.cleaned_data if self.is_valid() else {}
        wanted = cleaned.get("scheme")
        scheme = next((s for s in self.schemes if s.pk == wanted), None) if wanted else None
        scheme = scheme or (self.schemes[0] if self.schemes else None)
        if scheme is None:
            return None, timezone.localdate()
        as_of = cleaned.get("as_of")
        if as_of is None or as_of.year != scheme.year:
            as_of = default_as_of(scheme.year)
        if not self.is_bound or not self.is_valid():
            self.initial = {"scheme": scheme.pk, "as_of": as_of}
        return scheme, as_of


class _InYear:
    """A date field's check that the date falls in the scheme's year."""

    def __init__(self, year: int) -> None:
        self.year = year

    def __call__(self, value: dt.date) -> None:
        if value.year != self.year:
            raise forms.ValidationError(_("日期应在%(year)d年内。"), params={"year": self.year}, code="year")


class PublishForm(forms.Form):
    """Publish (freeze) the scores as of a date: a title and an explicit confirmation."""

    as_of = forms.DateField(label=_("数据截至"), widget=DateInput)
    title = forms.CharField(
        label=_("名称"),
        max_length=200,
        required=False,
        help_text=_("留空则为“考核办法名称（截至某年某月某日）”。"),
    )
    confirm = forms.BooleanField(
        label=_("我已核对得分，确认发布。发布后得分即冻结，以后修改数据或考核办法都不再改变已发布的结果。"),
        required=True,
        error_messages={"required": _("请勾选确认后再发布。")},
    )

    def __init__(self, *args: Any, year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["as_of"].validators.append(_InYear(year))


class VetoForm(forms.Form):
    """A 一票否决 event of a unit scored by the scheme."""

    organisation = forms.TypedChoiceField(label=_("单位"), coerce=int)
    date = forms.DateField(label=_("日期"), widget=DateInput)
    reason = forms.CharField(
        label=_("事由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写事由。")},
    )

    def __init__(self, *args: Any, year: int, units: Sequence[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {unit.pk: unit for unit in units}
        self.fields["organisation"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (unit.pk, unit.name) for unit in units
        ]
        self.fields["date"].validators.append(_InYear(year))

    def clean_organisation(self) -> Organisation:
        return self.units[self.cleaned_data["organisation"]]


def scheme_label(scheme: Scheme) -> str:
    """A scheme in a list: its name, with its year in front unless the name already starts with it
    (《2022年…考核办法》, not "2022年 2022年…")."""
    year = f"{scheme.year}年"
    return scheme.name if scheme.name.startswith(year) else f"{year} {scheme.name}"
