"""The reminder history (催报提醒记录): every reminder prepared, sent or failed, with its text and its
delivery error; the office prepares a period's reminders and sends the due ones or retries the failed.

Each view: the role check (``require_role``) → a scoped read (``notifications.access``) or a service →
render. The office sees every reminder, a lead reviewer those of the units in its scope (404 for any
other); reporters and the leadership are refused (403), and only the office acts. A robot's address is
shown without its token (``Reminder.recipient_display``); signing secrets are never read here.

The two small forms live here rather than in ``web/forms/reminders.py`` (not created in this change).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from bangfu.accounts.access import require_role
from bangfu.common.numbers import parse_id
from bangfu.notifications import access
from bangfu.notifications.choices import DeliveryChannel, DeliveryStatus
from bangfu.notifications.models import Reminder
from bangfu.notifications.selectors import ReminderError
from bangfu.notifications.services import reminders_prepare, reminders_requeue, reminders_send
from bangfu.orgs.models import Organisation
from bangfu.plans.models import Plan
from bangfu.plans.selectors import plan_list
from bangfu.progress.rules import default_as_of
from bangfu.web.forms.progress import DateInput
from bangfu.web.paging import keyset_page_for, list_query

PAGE = 50
EVERYTHING = [("", gettext_lazy("全部"))]


class HistoryFilterForm(forms.Form):
    """``?year=&period=&status=&channel=&unit=``; anything invalid means "all"."""

    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int, required=False)
    period = forms.ChoiceField(label=gettext_lazy("报送期"), required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("状态"), required=False, choices=EVERYTHING + list(DeliveryStatus.choices)
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("渠道"), required=False, choices=EVERYTHING + list(DeliveryChannel.choices)
    )
    unit = forms.TypedChoiceField(label=gettext_lazy("单位"), coerce=int, required=False, empty_value=None)

    def __init__(
        self, data: Any, *, plans: Sequence[Plan], periods: Sequence[str], units: Sequence[Organisation]
    ) -> None:
        super().__init__(data)
        self.fields["year"].choices = [(p.year, str(p.year)) for p in plans]  # type: ignore[attr-defined]
        self.fields["period"].choices = EVERYTHING + [(p, p) for p in periods]  # type: ignore[attr-defined]
        self.fields["unit"].choices = EVERYTHING + [(u.pk, u.name) for u in units]  # type: ignore[attr-defined]

    def value(self, name: str) -> Any:
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) or None


class PrepareForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int)
    as_of = forms.DateField(
        label=gettext_lazy("截至日期"),
        widget=DateInput,
        help_text=gettext_lazy("为该日期所在报送期进度滞后或未报送的单位生成提醒；本期已生成的不重复生成。"),
    )

    def __init__(self, *args: Any, plans: Sequence[Plan], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plans = {plan.year: plan for plan in plans}
        self.fields["year"].choices = [(year, str(year)) for year in self.plans]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        year, as_of = cleaned.get("year"), cleaned.get("as_of")
        if year is not None and as_of is not None and as_of.year != year:
            self.add_error("as_of", _("截至日期应在%(year)d年内。") % {"year": year})
        return cleaned


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _masked_error(reminder: Reminder) -> str:
    """The delivery error with any query value of the robot's address (its token) cut as on the page —
    the delivery log already leaves them out; this also covers an answer that quoted one."""
    error = reminder.last_error
    if reminder.channel == DeliveryChannel.WEBHOOK and error:
        for _key, value in parse_qsl(urlsplit(reminder.recipient).query):
            if len(value) > 4:
                error = error.replace(value, f"{value[:4]}…")
    return error


def _with_masked_errors(reminders: Any) -> list[Reminder]:
    found = list(reminders)
    for reminder in found:
        reminder.error_display = _masked_error(reminder)
    return found


def _plan(plans: list[Plan], year: Any) -> Plan | None:
    found = next((p for p in plans if str(p.year) == str(year)), None) if year else None
    return found or (plans[0] if plans else None)


def _history_url(plan: Plan | None, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"year": plan.year if plan else "", **params}.items() if v)
    return f"{reverse('reminders:history')}?{query}" if query else reverse("reminders:history")


# --- the history ----------------------------------------------------------------------------------


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    scope = require_role(request, review=True)
    plans = list(plan_list())
    plan = _plan(plans, request.GET.get("year"))
    in_plan = access.reminder_list_for_user(request.user, plan=plan) if plan else Reminder.objects.none()
    periods = list(in_plan.order_by("-period").values_list("period", flat=True).distinct())
    units = list(Organisation.objects.filter(pk__in=in_plan.values("unit_id")).order_by("name"))
    filters = HistoryFilterForm(request.GET or None, plans=plans, periods=periods, units=units)
    if not filters.is_bound:
        filters.initial = {"year": plan.year if plan else None}
    reminders: QuerySet[Reminder] = Reminder.objects.none()
    counts: dict[str, int] = {}
    if plan is not None:
        reminders = access.reminder_list_for_user(
            request.user,
            plan=plan,
            period=filters.value("period"),
            status=filters.value("status"),
            channel=filters.value("channel"),
        )
        if filters.value("unit"):
            reminders = reminders.filter(unit_id=filters.value("unit"))
        counts = dict(reminders.order_by().values_list("status").annotate(n=Count("pk")))
    # Not by recipient: a cursor is part of the address, and a robot's recipient holds its token.
    page = keyset_page_for(
        request, reminders, order=("-period", "unit__name", "unit_id", "channel", "pk"), size=PAGE
    )
    page.items = _with_masked_errors(page.items)
    today = timezone.localdate()
    context = {
        "plan": plan,
        "filters": filters,
        "page": page,
        "counts": [(code, label, counts.get(code, 0)) for code, label in DeliveryStatus.choices],
        "count": sum(counts.values()),
        "query": list_query(request),
        "can_act": scope.can_administer,
        "prepare": PrepareForm(
            initial={"year": plan.year, "as_of": default_as_of(plan.year, today)}, plans=plans
        )
        if scope.can_administer and plan is not None
        else None,
        "due": Reminder.objects.filter(status=DeliveryStatus.PENDING).count() if scope.can_administer else 0,
    }
    template = "web/reminders/history.html"
    return render(request, f"{template}#list" if is_htmx(request) else template, context)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = require_role(request, review=True)
    (reminder,) = _with_masked_errors([access.reminder_get_for_user(request.user, pk)])
    return render(
        request, "web/reminders/detail.html", {"reminder": reminder, "can_act": scope.can_administer}
    )


# --- the office's actions -------------------------------------------------------------------------


def _names(units: Sequence[Organisation], limit: int = 20) -> str:
    names = "、".join(unit.name for unit in units[:limit])
    return names + (_("等 %(n)d 个单位") % {"n": len(units)} if len(units) > limit else "")


def _sent_message(request: HttpRequest, result: Any) -> None:
    text = _("发送：成功 %(sent)d 条，待重试 %(retrying)d 条，失败 %(failed)d 条（已放弃）。") % {
        "sent": len(result.sent),
        "retrying": len(result.retrying),
        "failed": len(result.failed),
    }
    if result.skipped:
        text += _("另有 %(n)d 条正由其他进程发送。") % {"n": result.skipped}
    if not result.attempted and not result.skipped:
        text = _("没有到期待发送的提醒。")
    level = messages.WARNING if result.retrying or result.failed else messages.SUCCESS
    messages.add_message(request, level, text)


@login_required
@require_POST
def prepare(request: HttpRequest) -> HttpResponse:
    """Prepare the reminders of the reporting period holding the chosen date (nothing is sent yet)."""
    require_role(request, administer=True)
    plans = list(plan_list())
    form = PrepareForm(request.POST, plans=plans)
    if not form.is_valid():
        errors = "；".join(str(e) for field in form.errors.values() for e in field)
        messages.error(request, errors)
        return redirect(_history_url(_plan(plans, request.POST.get("year"))))
    plan = form.plans[form.cleaned_data["year"]]
    as_of: dt.date = form.cleaned_data["as_of"]
    try:
        result = reminders_prepare(plan, as_of=as_of, created_by=request.user)
    except ReminderError as exc:
        messages.error(request, str(exc))
        return redirect(_history_url(plan))
    text = _(
        "%(period)s报送期：需提醒 %(units)d 个单位，新生成提醒 %(created)d 条，此前已生成 %(existing)d 条（不重复生成）。"
    ) % {
        "period": result.key,
        "units": len(result.notices),
        "created": len(result.created),
        "existing": result.existing,
    }
    messages.success(request, text)
    if result.unreachable:
        messages.warning(
            request,
            _("以下单位没有电子邮箱或群机器人，未生成提醒（请在管理后台“单位联系方式”中补充）：%(names)s")
            % {"names": _names(result.unreachable)},
        )
    return redirect(_history_url(plan, period=result.key))


@login_required
@require_POST
def send(request: HttpRequest) -> HttpResponse:
    """Deliver every reminder due now (new ones and retries whose time has come)."""
    require_role(request, administer=True)
    _sent_message(request, reminders_send(now=timezone.now()))
    return redirect(_history_url(_plan(list(plan_list()), request.POST.get("year"))))


@login_required
@require_POST
def retry(request: HttpRequest) -> HttpResponse:
    """Send failed reminders again (one, or every failed one of the year): back to pending with a fresh
    count of attempts, then deliver what is due. Sent reminders are never sent again."""
    require_role(request, administer=True)
    plans = list(plan_list())
    plan = _plan(plans, request.POST.get("year"))
    failed = access.reminder_list_for_user(request.user, plan=plan, status=DeliveryStatus.FAILED)
    one = request.POST.get("reminder", "")
    if one:
        reminder = access.reminder_get_for_user(request.user, parse_id(one) or 0)
        failed = failed.filter(pk=reminder.pk)
    now = timezone.now()
    requeued = reminders_requeue(failed, now=now)
    if not requeued:
        messages.info(request, _("没有发送失败的提醒。"))
    else:
        messages.info(request, _("已将 %(n)d 条发送失败的提醒重新排队。") % {"n": requeued})
        _sent_message(request, reminders_send(now=now))
    if one:
        return redirect("reminders:detail", pk=int(one))
    return redirect(_history_url(plan))
