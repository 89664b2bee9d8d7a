"""Progress pages: a unit's page and the records behind each of its figures, reminders for lagging and
silent units, the reporting calendar, base-value entry.

Each view: the role check (``require_role``) → a scoped read (``progress.access``) or a service → render.
A unit outside the user's scope is a 404; an action the role may not take is a 403.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bangfu.accounts.access import require_role
from bangfu.common.numbers import parse_id
from bangfu.common.paging import count_up_to
from bangfu.notifications.access import reminders_for_user
from bangfu.orgs.models import Organisation
from bangfu.plans.models import Plan
from bangfu.plans.selectors import plan_list
from bangfu.progress import access
from bangfu.progress.calendar_periods import LABELS as REPORTING_LABELS
from bangfu.progress.formats import schedule_names
from bangfu.progress.models import BaseValue
from bangfu.progress.rules import default_as_of
from bangfu.progress.selectors import plan_leads, town_units
from bangfu.progress.services import BaseImportError, base_value_set, reporting_calendar_set
from bangfu.web.charts import trend_chart
from bangfu.web.forms.progress import (
    BaseUploadForm,
    BaseValueForm,
    PeriodForm,
    ReminderFilterForm,
    ReportingCalendarForm,
)
from bangfu.web.paging import keyset_page_for, list_query, numbered_page, query_without

BASES_PAGE = 100
CALENDAR_PAGE = 100
REMINDERS_PAGE = 50


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def period(request: HttpRequest) -> tuple[PeriodForm, Plan | None, dt.date]:
    """The year and as-of date asked for (``?year=&as_of=``), with their defaults."""
    form = PeriodForm(request.GET or None, plans=list(plan_list()))
    plan, as_of = form.resolve()
    return form, plan, as_of


def _no_plan(request: HttpRequest, title: str) -> HttpResponse:
    return render(request, "web/progress/no_plan.html", {"title": title})


# --- a unit's page --------------------------------------------------------------------------------


@login_required
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request)
    org = access.unit_get_for_user(request.user, pk)
    return _unit_page(request, org)


@login_required
def my_unit(request: HttpRequest) -> HttpResponse:
    """The user's own unit; the leadership (no unit of its own) goes to the dashboard."""
    require_role(request)
    org = access.home_unit_for_user(request.user)
    if org is None:
        return redirect("dashboard")
    return _unit_page(request, org, mine=True)


def _unit_page(request: HttpRequest, org: Organisation, *, mine: bool = False) -> HttpResponse:
    form, plan, as_of = period(request)
    if plan is None:
        return _no_plan(request, org.name)
    progress = access.unit_progress_for_user(request.user, org, plan, as_of=as_of)
    context = {
        "unit": org,
        "mine": mine,
        "plan": plan,
        "form": form,
        "as_of": as_of,
        "progress": progress,
        "schedules": schedule_names(pair.line for pair in progress.pairs),
        "trend_chart": trend_chart(progress.trend),
        "period_query": f"year={plan.year}&as_of={as_of.isoformat()}",
    }
    return render(request, "web/progress/unit.html", context)


@login_required
def line_records(request: HttpRequest, unit: int, target: int) -> HttpResponse:
    """The records behind one (target, unit) figure: date, purchaser, product, origin, amount, and
    where each came from (file, sheet, row). ``?approved=1`` shows only approved records."""
    require_role(request)
    _form, plan, as_of = period(request)
    if plan is None:
        return _no_plan(request, _("采购明细"))
    approved_only = True if request.GET.get("approved") == "1" else None
    line = access.line_for_user(
        request.user, plan, target_pk=target, unit_pk=unit, as_of=as_of, approved_only=approved_only
    )
    listing = access.line_record_page_for_user(
        request.user,
        line,
        as_of=as_of,
        approved_only=approved_only,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    context = {
        "plan": plan,
        "as_of": as_of,
        "line": line,
        "unit": access.unit_get_for_user(request.user, unit),
        "approved_only": bool(approved_only),
        "page": listing.page,
        "query": list_query(request),
        "period_query": f"year={plan.year}&as_of={as_of.isoformat()}",
    }
    template = "web/progress/line_records.html"
    return render(request, f"{template}#records" if is_htmx(request) else template, context)


# --- reminders ------------------------------------------------------------------------------------


def _sender(request: HttpRequest) -> str:
    """Who signs the notices: the user's unit (市总工会 → 慈溪市总工会), else the counterpart-support office."""
    home = access.home_unit_for_user(request.user)
    name = home.name if home is not None else "市对口支援办"
    city = settings.BANGFU_CITY
    return f"{city}{name[1:]}" if name.startswith("市") and city.endswith("市") else name


@login_required
def reminders(request: HttpRequest) -> HttpResponse:
    require_role(request, review=True)
    form, plan, as_of = period(request)
    if plan is None:
        return _no_plan(request, _("催报提醒"))
    today = timezone.localdate()
    if "as_of" not in request.GET:
        as_of = default_as_of(plan.year, today)
    filters = ReminderFilterForm(request.GET or None, towns=town_units(), leads=plan_leads(plan))
    found = reminders_for_user(
        request.user,
        plan,
        as_of=as_of,
        issued=today,
        sender=_sender(request),
        town_id=filters.value("town"),
        lead_id=filters.value("lead"),
    )
    context = {
        "plan": plan,
        "form": form,
        "filters": filters,
        "as_of": as_of,
        "found": found,
        "behind": numbered_page(request, found.behind, REMINDERS_PAGE, param="bp"),
        "silent": numbered_page(request, found.silent, REMINDERS_PAGE, param="sp"),
        "query_behind": query_without(request, "bp"),
        "query_silent": query_without(request, "sp"),
    }
    template = "web/progress/reminders.html"
    return render(request, f"{template}#lists" if is_htmx(request) else template, context)


# --- the reporting calendar -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def calendar(request: HttpRequest) -> HttpResponse:
    scope = require_role(request)
    form, plan, _as_of = period(request)
    if plan is None:
        return _no_plan(request, _("报送日历"))
    edit: ReportingCalendarForm | None = None
    if request.method == "POST":
        require_role(request, administer=True)
        access.calendar_edit_for_user(request.user, plan)
        edit = ReportingCalendarForm(request.POST)
        if edit.is_valid():
            day = edit.cleaned_data["due_day"]
            reporting_calendar_set(plan=plan, due_day=day)
            messages.success(request, _("报送截止日已改为每月%(day)d日。") % {"day": day})
            return redirect(f"{request.path}?year={plan.year}")
    today = timezone.localdate()
    filters = ReminderFilterForm(request.GET or None, towns=town_units())
    table = access.calendar_for_user(request.user, plan, today=today, town_id=filters.value("town"))
    if edit is None and scope.can_administer:
        edit = ReportingCalendarForm(initial={"due_day": table.calendar.due_day})
    page = numbered_page(request, table.rows, CALENDAR_PAGE)
    context = {
        "plan": plan,
        "form": form,
        "filters": filters,
        "table": table,
        "page": page,
        "edit": edit,
        "labels": REPORTING_LABELS,
        "query": query_without(request, "page"),
    }
    template = "web/progress/calendar.html"
    return render(request, f"{template}#table" if is_htmx(request) else template, context)


# --- base values ----------------------------------------------------------------------------------


def _bases_year(request: HttpRequest) -> int | None:
    plans = list(plan_list())
    wanted = parse_id(request.GET.get("year", ""))
    if wanted is not None and any(p.year == wanted for p in plans):
        return wanted
    return plans[0].year if plans else None


@login_required
def bases(request: HttpRequest) -> HttpResponse:
    """The base values in the user's scope for a year, and the units whose ratio or per-capita targets
    still lack one (基数未填报)."""
    scope = require_role(request)
    year = _bases_year(request)
    if year is None:
        return _no_plan(request, _("基数"))
    search = request.GET.get("q", "").strip()[:50]
    values = access.base_values_for_user(request.user, year=year)
    if search:
        values = values.filter(
            Q(organisation__name__icontains=search) | Q(organisation__short_name__icontains=search)
        )
    count, exact = count_up_to(values)
    page = keyset_page_for(request, values, order=("organisation__name", "id"), size=BASES_PAGE)
    missing = access.bases_missing_for_user(request.user, year=year)
    if search:
        missing = [unit for unit in missing if search in unit.name]
    context = {
        "year": year,
        "plans": plan_list(),
        "page": page,
        "count": count,
        "exact": exact,
        "missing": missing[:200],
        "missing_count": len(missing),
        "search": search,
        "can_write": scope.can_write,
        "upload": BaseUploadForm() if scope.can_write else None,
        "query": list_query(request),
    }
    template = "web/progress/bases.html"
    return render(request, f"{template}#list" if is_htmx(request) else template, context)


@login_required
@require_http_methods(["GET", "POST"])
def base_edit(request: HttpRequest, unit: int) -> HttpResponse:
    write = request.method == "POST"
    scope = require_role(request, write=write)
    org = access.base_unit_for_user(request.user, unit, write=write)
    year = _bases_year(request)
    if year is None:
        return _no_plan(request, _("基数"))
    base = (
        BaseValue.objects.filter(organisation=org, year=year)
        .select_related("canteen_representative", "counts_for")
        .first()
    )

    def may_link(unit_id: int) -> bool:
        return access.base_link_allowed(request.user, unit_id)

    if write:
        form = BaseValueForm(request.POST, unit=org, may_link=may_link)
        if form.is_valid():
            base_value_set(organisation=org, year=year, **form.values())
            messages.success(
                request, _("已保存%(unit)s %(year)d年度的基数。") % {"unit": org.name, "year": year}
            )
            return redirect(f"{request.path}?year={year}")
    else:
        form = BaseValueForm(initial=BaseValueForm.initial_for(base), unit=org, may_link=may_link)
    context = {"unit": org, "year": year, "base": base, "form": form, "can_write": scope.can_write}
    return render(request, "web/progress/base_edit.html", context)


@login_required
@require_POST
def bases_upload(request: HttpRequest) -> HttpResponse:
    """Import a base-value file and show what was saved and every row refused, with its reason."""
    require_role(request, write=True)
    year = _bases_year(request)
    if year is None:
        return _no_plan(request, _("基数"))
    form = BaseUploadForm(request.POST, request.FILES)
    result = None
    error = ""
    if form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory(prefix="bangfu-bases-") as folder:
            path = Path(folder) / Path(upload.name).name
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                result = access.bases_import_for_user(request.user, path, year=year)
            except BaseImportError as exc:
                error = str(exc)
    context = {"year": year, "form": form, "result": result, "error": error}
    status = 200 if result is not None else 400
    return render(request, "web/progress/bases_import.html", context, status=status)
