"""The audit trail for the coordinator: who created, changed or deleted what, with before and after."""

from __future__ import annotations

import datetime as dt

from auditlog.models import LogEntry
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from bangfu.accounts.access import require_role
from bangfu.common.numbers import parse_id
from bangfu.web.paging import keyset_page_for, list_query

PAGE = 50


def _tracked_types() -> list[ContentType]:
    ids = LogEntry.objects.order_by().values_list("content_type_id", flat=True).distinct()
    return sorted(ContentType.objects.filter(pk__in=list(ids)), key=lambda ct: str(ct))


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
        "rows": [(entry, sorted(entry.changes_dict.items())) for entry in page.items],
        "page": page,
        "query": list_query(request),
        "error": error,
        "types": _tracked_types(),
        "actions": LogEntry.Action.choices,
        "filters": request.GET,
    }
    template = "web/audit/list.html#entries" if getattr(request, "htmx", False) else "web/audit/list.html"
    return render(request, template, context, status=400 if error else 200)
