"""The audit trail for the coordinator: who did what, when (to the second), in Chinese — changes with\ntheir fields' names and values as users know them, one entry per import or review step with its counts;\nfiltered by unit, user, kind of action, type of record and day (``common.audit``)."""

from __future__ import annotations

import datetime as dt

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from bangfu.accounts.access import require_role
from bangfu.common.audit import ACTION_KINDS, ACTION_NAMES, audit_rows
from bangfu.common.numbers import parse_id
from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import org_subtree_ids
from bangfu.web.paging import keyset_page_for, list_query

PAGE = 50


def _tracked_types() -> list[tuple[int, str]]:
    """The audited models, by their Chinese names."""
    found = []
    for ct in ContentType.objects.filter(pk__in=list(_audited_type_ids())):
        model = ct.model_class()
        found.append((ct.pk, str(model._meta.verbose_name) if model is not None else str(ct)))
    return sorted(found, key=lambda pair: pair[1])


def _audited_type_ids() -> set[int]:
    ids = LogEntry.objects.order_by().values_list("content_type_id", flat=True).distinct()
    return set(ids)


def _day(text: str) -> tuple[dt.date | None, str]:
    """The day asked for (``YYYY-MM-DD``) and, for one that is not a date, the message to show."""
    if not text:
        return None, ""
    try:
        day = parse_date(text)
    except ValueError:  # well formed but impossible: 2022-13-01, 2022-02-30
        day = None
    if day is None:
        return None, _("日期“%(text)s”无效，请按“年-月-日”填写，如 2022-03-15。") % {"text": text[:20]}
    return day, ""


def _units() -> list[Organisation]:
    """Units the trail can be filtered by: the top of the jurisdiction tree (towns, departments …), each
    standing for the units under it."""
    return list(Organisation.objects.filter(parent__isnull=True).order_by("kind", "name"))


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    require_role(request, administer=True)
    entries = LogEntry.objects.select_related("actor", "content_type")
    model = parse_id(request.GET.get("model", ""))
    if model is not None:
        entries = entries.filter(content_type_id=model)
    action = parse_id(request.GET.get("action", ""))
    if action is not None:
        entries = entries.filter(action=action)
    kind = request.GET.get("kind", "")
    if kind in ACTION_KINDS:
        entries = entries.filter(additional_data__kind=kind)
    unit = parse_id(request.GET.get("unit", ""))
    if unit is not None:
        entries = entries.filter(additional_data__unit_id__in=sorted(org_subtree_ids(unit)))
    actor = request.GET.get("actor", "").strip()
    if actor:
        entries = entries.filter(actor__username=actor[:150])
    obj = request.GET.get("object", "").strip()
    if obj:
        entries = entries.filter(object_repr__icontains=obj[:100])
    day, error = _day(request.GET.get("date", "").strip())
    if day:
        start = dt.datetime.combine(day, dt.time.min).astimezone()
        entries = entries.filter(timestamp__gte=start, timestamp__lt=start + dt.timedelta(days=1))
    if error:
        entries = entries.none()
    page = keyset_page_for(request, entries, order=("-id",), size=PAGE)
    context = {
        "rows": audit_rows(page.items),
        "page": page,
        "query": list_query(request),
        "error": error,
        "types": _tracked_types(),
        "actions": [(value, ACTION_NAMES.get(value, label)) for value, label in LogEntry.Action.choices],
        "kinds": ACTION_KINDS,
        "units": _units(),
        "actors": list(
            get_user_model().objects.order_by("username").values_list("username", flat=True)[:500]
        ),
        "filters": request.GET,
    }
    template = "web/audit/list.html#entries" if getattr(request, "htmx", False) else "web/audit/list.html"
    return render(request, template, context, status=400 if error else 200)
