"""The audit trail for the coordinator: who created, changed or deleted what, with before and after."""

from __future__ import annotations

import datetime as dt

from auditlog.models import LogEntry
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date

from bangfu.accounts.access import require_role

PAGE = 50


def _tracked_types() -> list[ContentType]:
    ids = LogEntry.objects.order_by().values_list("content_type_id", flat=True).distinct()
    return sorted(ContentType.objects.filter(pk__in=list(ids)), key=lambda ct: str(ct))


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    require_role(request, administer=True)
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-id")
    model = request.GET.get("model", "")
    if model.isdigit():
        entries = entries.filter(content_type_id=int(model))
    action = request.GET.get("action", "")
    if action.isdigit():
        entries = entries.filter(action=int(action))
    actor = request.GET.get("actor", "").strip()
    if actor:
        entries = entries.filter(actor__username=actor)
    obj = request.GET.get("object", "").strip()
    if obj:
        entries = entries.filter(object_repr__icontains=obj[:100])
    day = parse_date(request.GET.get("date", "") or "")
    if day:
        start = dt.datetime.combine(day, dt.time.min).astimezone()
        entries = entries.filter(timestamp__gte=start, timestamp__lt=start + dt.timedelta(days=1))
    before = request.GET.get("before", "")
    if before.isdigit():
        entries = entries.filter(id__lt=int(before))
    page = list(entries[: PAGE + 1])
    rows = [(entry, sorted(entry.changes_dict.items())) for entry in page[:PAGE]]
    context = {
        "rows": rows,
        "more": page[PAGE - 1].id if len(page) > PAGE else None,
        "types": _tracked_types(),
        "actions": LogEntry.Action.choices,
        "filters": request.GET,
    }
    template = "web/audit/list.html#entries" if getattr(request, "htmx", False) else "web/audit/list.html"
    return render(request, template, context)
