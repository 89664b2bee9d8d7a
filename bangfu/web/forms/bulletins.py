"""The bulletin form: which year, as of which date, which issue, Word or Excel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bangfu.plans.models import Plan
from bangfu.web.forms.progress import DateInput

FORMATS = (("docx", _("Word 文档（.docx）")), ("xlsx", _("Excel 工作簿（.xlsx）")))


class BulletinForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    as_of = forms.DateField(label=_("数据截至"), widget=DateInput)
    issue_no = forms.IntegerField(
        label=_("期数"),
        min_value=1,
        max_value=999,
        required=False,
        help_text=_("留空则为截至日期的月份（如截至6月30日为第6期）。"),
    )
    format = forms.ChoiceField(label=_("格式"), choices=FORMATS)

    def __init__(self, *args: Any, plans: Sequence[Plan], can_set_issue: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plans = {plan.year: plan for plan in plans}
        self.fields["year"].choices = [(year, str(year)) for year in self.plans]  # type: ignore[attr-defined]
        if not can_set_issue:
            del self.fields["issue_no"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        year, as_of = cleaned.get("year"), cleaned.get("as_of")
        if year is not None and as_of is not None and as_of.year != year:
            self.add_error("as_of", _("截至日期应在%(year)d年内。") % {"year": year})
        return cleaned

    def chosen(self) -> tuple[Plan, dt.date, int | None, str]:
        """The plan, the as-of date, the issue number (None: the default) and the format."""
        data = self.cleaned_data
        return self.plans[data["year"]], data["as_of"], data.get("issue_no"), data["format"]


def default_bulletin_as_of(year: int, today: dt.date) -> dt.date:
    """A monthly bulletin reports up to the end of a month: the last day of the month before ``today``
    (in January, today), kept inside the plan's year."""
    if today.year > year:
        return dt.date(year, 12, 31)
    if today.year < year:
        return dt.date(year, 1, 1)
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    return month_end if month_end.year == year else today
