"""Activity pages: records of qualitative work (fairs, outlets, media, trainings …) by kind — list, entry,
edit, deletion, review — an item's page with its targets' progress and timeline, evidence files (upload,
preview, download, deletion; on activities and on purchase records), the outlet directory (internal, and
public for citizens) and the spreadsheet import.

Each view: the role check (``require_role``) → a scoped fetch (``activities.access``) → a service or
selector → render. A record outside the user's scope is a 404; an action the role may not take is a 403.
Evidence files are only ever served here, after the scope check — never from a /media URL.
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bangfu.accounts.access import Scope, require_role
from bangfu.accounts.write_scope import write_units
from bangfu.activities import access, selectors
from bangfu.activities.importing import ActivityImportError, import_template_xlsx
from bangfu.activities.kinds import BOOL, KINDS, MONEY, URL, FieldSpec, Kind, guess_kinds
from bangfu.activities.models import Activity, Evidence
from bangfu.activities.services import (
    ACTIVITY_STATES,
    activity_authored_by,
    activity_create,
    activity_delete,
    activity_delete_refusal,
    activity_review,
    activity_update,
    evidence_add,
    evidence_delete,
)
from bangfu.common.money import format_yuan
from bangfu.common.paging import count_up_to
from bangfu.ledger.access import purchase_get_for_user
from bangfu.ledger.models import Purchase
from bangfu.orgs.models import Organisation
from bangfu.plans.models import Plan
from bangfu.plans.selectors import plan_get
from bangfu.progress.access import progress_for_user
from bangfu.progress.lines import ProgressLine
from bangfu.progress.selectors import town_units
from bangfu.web.forms.activities import (
    ActivityFilterForm,
    ActivityForm,
    ActivityImportForm,
    ActivityReviewForm,
    EvidenceForm,
    ItemPickForm,
    OutletFilterForm,
)
from bangfu.web.forms.progress import PeriodForm
from bangfu.web.paging import PAGE_PARAMS, keyset_page_for, list_query, query_without

LIST_PAGE = 50
TIMELINE_PAGE = 50
OUTLETS_PAGE = 50
PUBLIC_PAGE = 50
REPORTS_KEY = "activity_import_reports"
REPORTS_FOLDER = Path("import-reports") / "activities"
# Evidence files are PDFs, images or Office files (checked by content when stored). Served on their own,
# they may load nothing, and never run in a frame.
FILE_CSP = {"default-src": ["'none'"], "img-src": ["'self'"], "object-src": ["'self'"]}


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _error_text(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def _current_plan() -> Plan | None:
    return plan_get()


def _home_unit(scope: Scope) -> Organisation | None:
    if scope.home_unit_id is None:
        return None
    return Organisation.objects.filter(pk=scope.home_unit_id).first()


# --- how a kind's values read --------------------------------------------------------------------


@dataclass(frozen=True)
class DetailRow:
    label: str
    text: str
    url: str = ""


def _value_text(spec: FieldSpec, value: Any) -> str:
    if spec.type == BOOL:
        return _("是") if value else _("否")
    if value is None or value == "":
        return "—"
    if spec.type == MONEY:
        return format_yuan(int(value))
    return str(value)


def detail_rows(kind: Kind, details: dict[str, Any]) -> list[DetailRow]:
    """A record's own fields as label and text (money in 元 from fen); links only for http(s)."""
    rows = []
    for spec in kind.fields:
        value = details.get(spec.name)
        url = (
            value
            if spec.type == URL and isinstance(value, str) and value.startswith(("http://", "https://"))
            else ""
        )
        rows.append(DetailRow(spec.label, _value_text(spec, value), url))
    return rows


# --- the list ------------------------------------------------------------------------------------


@login_required
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    """Every record in the user's scope, by kind, unit (with its jurisdiction), item, dates and status.
    With one kind chosen, the kind's own fields become columns."""
    scope = require_role(request)
    plan = _current_plan()
    items = selectors.item_choices(plan)
    form = ActivityFilterForm(request.GET or None, user=request.user, items=items)
    filters = form.filters()
    visible = access.activity_list_for_user(request.user)
    qs = selectors.activity_filter(visible, filters)
    count, exact = count_up_to(qs)
    page = keyset_page_for(request, selectors.activity_for_list(qs), order=("-date", "-id"), size=LIST_PAGE)
    kind = KINDS.get(filters.kind)
    rows = [(activity, detail_rows(kind, activity.details) if kind else []) for activity in page.items]
    context = {
        "form": form,
        "page": page,
        "count": count,
        "exact": exact,
        "rows": rows,
        "kind": kind,
        "kinds": list(KINDS.values()),
        "query": list_query(request),
        "kind_query": query_without(request, *PAGE_PARAMS, "kind"),
        "can_write": scope.can_write,
    }
    template = "web/activities/list.html"
    return render(request, f"{template}#results" if is_htmx(request) else template, context)


# --- one record ----------------------------------------------------------------------------------


@login_required
@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = require_role(request)
    activity = access.activity_get_for_user(request.user, pk)
    kind = KINDS[activity.kind]
    evidence = list(selectors.activity_evidence(activity))
    context = {
        "activity": activity,
        "kind": kind,
        "rows": detail_rows(kind, activity.details),
        "evidence": [(e, access.evidence_may_delete(request.user, e)) for e in evidence],
        "evidence_form": EvidenceForm() if scope.can_write else None,
        # What the page offers: the activity's state machine for the user's role; approving is withheld
        # from whoever entered or changed the record (four-eyes), returning is not.
        "actions": ACTIVITY_STATES.offers(
            scope, activity.status, authored=lambda: activity_authored_by(activity, request.user)
        ),
        "public_fields": [spec.label for spec in kind.fields if spec.public],
    }
    return render(request, "web/activities/detail.html", context)


def _kind_from(request: HttpRequest, item: Any) -> tuple[Kind | None, list[Kind]]:
    """The kind asked for (``?kind=``), else the first kind the item's text suggests; and the
    suggestions."""
    suggested = [KINDS[code] for code in guess_kinds(item.content)] if item is not None else []
    code = request.GET.get("kind", "")
    if code in KINDS:
        return KINDS[code], suggested
    return (suggested[0] if suggested else None), suggested


@login_required
@require_http_methods(["GET", "POST"])
def activity_create_view(request: HttpRequest) -> HttpResponse:
    """Enter a record: choose its kind (suggested from the item's text), then its fields."""
    scope = require_role(request, write=True)
    plan = _current_plan()
    items = selectors.item_choices(plan)
    chooser = ItemPickForm(request.GET or None, items=items)
    item = chooser.cleaned_data.get("item") if chooser.is_valid() else None
    kind, suggested = _kind_from(request, item)
    context: dict[str, Any] = {
        "plan": plan,
        "chooser": chooser,
        "item": item,
        "kind": kind,
        "kinds": list(KINDS.values()),
        "suggested": suggested,
        "activity": None,
    }
    if kind is None:
        return render(request, "web/activities/choose.html", context)
    home = _home_unit(scope)
    form = ActivityForm(
        request.POST or None,
        kind=kind,
        user=request.user,
        items=items,
        initial={"item": item.pk if item else None, "organisation": home.pk if home else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            activity = activity_create(
                kind=kind.code, user=request.user, within=write_units(scope), **form.service_fields()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if activity.purchase_id:
                messages.success(
                    request, _("记录已保存，并已同时生成一条采购记录（企业采购原料，只录入一次）。")
                )
            else:
                messages.success(request, _("记录已保存，可继续上传佐证材料。"))
            return redirect("activities:detail", pk=activity.pk)
    context["form"] = form
    return render(request, "web/activities/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = require_role(request, write=True)
    activity = access.activity_get_for_user(request.user, pk)
    kind = KINDS[activity.kind]
    plan = activity.item.task.plan if activity.item else _current_plan()
    items = selectors.item_choices(plan)
    form = ActivityForm(request.POST or None, kind=kind, user=request.user, items=items, activity=activity)
    if request.method == "POST" and form.is_valid():
        was_approved = activity.status == "approved"
        try:
            activity_update(
                activity,
                user=request.user,
                resubmit=True,
                within=write_units(scope),
                **form.service_fields(),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if was_approved:
                messages.warning(request, _("记录已修改。它原已审核通过，现已回到待审核状态。"))
            else:
                messages.success(request, _("记录已保存。"))
            return redirect("activities:detail", pk=activity.pk)
    context = {"form": form, "kind": kind, "activity": activity, "item": activity.item, "plan": plan}
    return render(request, "web/activities/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def activity_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = require_role(request, write=True)
    activity = access.activity_get_for_user(request.user, pk)
    if request.method == "POST":
        item_id = activity.item_id
        try:
            activity_delete(activity, user=request.user, within=write_units(scope))
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return redirect("activities:detail", pk=pk)
        messages.success(request, _("记录“%(title)s”已删除。") % {"title": activity.title})
        if item_id is not None:
            return redirect("activities:item", item_id=item_id)
        return redirect("activities:list")
    context = {
        "activity": activity,
        "evidence_count": activity.evidence.count(),
        "refusal": activity_delete_refusal(activity, user=request.user, within=write_units(scope)),
    }
    return render(request, "web/activities/delete.html", context)


@login_required
@require_POST
def activity_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve a record, or return it to its unit (the office and lead reviewers, in their scope)."""
    require_role(request, review=True)
    activity = access.activity_get_for_user(request.user, pk)
    form = ActivityReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审核结果。"))
        return redirect("activities:detail", pk=pk)
    approve = form.cleaned_data["action"] == "approve"
    try:
        activity_review(activity, approve=approve, user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("记录已审核通过。") if approve else _("记录已退回。"))
    return redirect("activities:detail", pk=pk)


# --- an item's page ------------------------------------------------------------------------------


@dataclass
class TargetBlock:
    target: Any
    lines: list[ProgressLine]


@login_required
@require_GET
def item_page(request: HttpRequest, item_id: int) -> HttpResponse:
    """Everything done under a table item: its targets with progress (count targets measured from the
    records, amount targets from purchases) and the timeline of records with their evidence."""
    scope = require_role(request)
    item = selectors.item_get(item_id)
    if item is None:
        raise Http404(_("事项不存在。"))
    plan = item.task.plan
    period = PeriodForm(request.GET or None, plans=[plan])
    _plan, as_of = period.resolve()
    targets = list(item.targets.all())
    blocks: list[TargetBlock] = []
    rollup = None
    if targets:
        report = progress_for_user(request.user, plan, as_of=as_of, target_ids=[t.pk for t in targets])
        by_target: dict[int, list[ProgressLine]] = {}
        for line in report.lines:
            by_target.setdefault(line.target.pk, []).append(line)
        blocks = [TargetBlock(target, by_target.get(target.pk, [])) for target in targets]
        rollup = report.by_item.get(item.pk)
    timeline = access.item_timeline_for_user(request.user, item.pk)
    page = keyset_page_for(request, timeline, order=("-date", "-id"), size=TIMELINE_PAGE)
    counts = selectors.activity_kind_counts(access.item_timeline_for_user(request.user, item.pk))
    suggested = [KINDS[code] for code in guess_kinds(item.content)]
    context = {
        "item": item,
        "plan": plan,
        "period": period,
        "as_of": as_of,
        "blocks": blocks,
        "rollup": rollup,
        "page": page,
        "entries": [(a, detail_rows(KINDS[a.kind], a.details)) for a in page.items],
        "kind_counts": [(KINDS[code], n) for code, n in sorted(counts.items(), key=lambda kv: -kv[1])],
        "suggested": suggested,
        "can_write": scope.can_write,
        "query": list_query(request),
        "period_query": f"year={plan.year}&as_of={as_of.isoformat()}",
    }
    template = "web/activities/item.html"
    return render(request, f"{template}#timeline" if is_htmx(request) else template, context)


# --- evidence ------------------------------------------------------------------------------------


def _store_evidence(
    request: HttpRequest, *, activity: Activity | None = None, purchase: Purchase | None = None
) -> bool:
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return False
    upload = form.cleaned_data["file"]
    try:
        evidence_add(
            name=upload.name or "file",
            content=upload.read(),
            user=request.user,
            activity=activity,
            purchase=purchase,
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return False
    messages.success(request, _("已上传佐证材料“%(name)s”。") % {"name": upload.name})
    return True


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file to a record (writers in the record's scope)."""
    require_role(request, write=True)
    activity = access.activity_get_for_user(request.user, pk)
    _store_evidence(request, activity=activity)
    return redirect(reverse("activities:detail", args=[activity.pk]) + "#evidence")


@login_required
@require_http_methods(["GET", "POST"])
def purchase_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """A purchase record's evidence files: the list for everyone who may see the record, the upload for
    writers."""
    write = request.method == "POST"
    scope = require_role(request, write=write)
    purchase = purchase_get_for_user(request.user, pk)
    if write:
        _store_evidence(request, purchase=purchase)
        return redirect("activities:purchase-evidence", pk=purchase.pk)
    evidence = list(selectors.purchase_evidence(purchase))
    context = {
        "purchase": purchase,
        "amount_yuan": format_yuan(purchase.amount_fen),
        "evidence": [(e, access.evidence_may_delete(request.user, e)) for e in evidence],
        "evidence_form": EvidenceForm() if scope.can_write else None,
        "linked_activity": access.activity_list_for_user(request.user).filter(purchase=purchase).first(),
    }
    return render(request, "web/activities/purchase_evidence.html", context)


def _file_response(evidence: Evidence, *, inline: bool) -> FileResponse:
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("文件已不存在。")) from exc
    response = FileResponse(handle, content_type=evidence.content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, evidence.original_name) or ""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_GET
@csp_replace(FILE_CSP)  # type: ignore[arg-type]  # its types know views without URL arguments only
def evidence_preview(request: HttpRequest, pk: int) -> HttpResponseBase:
    """An image or PDF shown in the browser (inline, its own type, never sniffed); other files download."""
    require_role(request)
    evidence = access.evidence_get_for_user(request.user, pk)
    return _file_response(evidence, inline=evidence.previewable)


@login_required
@require_GET
@csp_replace(FILE_CSP)  # type: ignore[arg-type]  # its types know views without URL arguments only
def evidence_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    require_role(request)
    evidence = access.evidence_get_for_user(request.user, pk)
    return _file_response(evidence, inline=False)


@login_required
@require_POST
def evidence_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete an evidence file (its uploader, or the office)."""
    require_role(request, write=True)
    evidence = access.evidence_get_for_delete(request.user, pk)
    if evidence.activity_id is not None:
        back = reverse("activities:detail", args=[evidence.activity_id]) + "#evidence"
    else:
        back = reverse("activities:purchase-evidence", args=[evidence.purchase_id])
    name = evidence.original_name
    evidence_delete(evidence)
    messages.success(request, _("已删除佐证材料“%(name)s”。") % {"name": name})
    return redirect(back)


# --- the outlet directory ------------------------------------------------------------------------


@login_required
@require_GET
def outlet_list(request: HttpRequest) -> HttpResponse:
    """The sales outlets of the user's units, with every field (monthly sales included)."""
    scope = require_role(request)
    form = OutletFilterForm(request.GET or None, towns=town_units())
    qs = selectors.outlet_filter(access.outlet_list_for_user(request.user), form.filters())
    count, exact = count_up_to(qs)
    page = keyset_page_for(request, qs, order=("title", "id"), size=OUTLETS_PAGE)
    kind = KINDS["outlet"]
    context = {
        "form": form,
        "page": page,
        "count": count,
        "exact": exact,
        "kind": kind,
        "rows": [(a, detail_rows(kind, a.details)) for a in page.items],
        "query": list_query(request),
        "can_write": scope.can_write,
    }
    template = "web/activities/outlets.html"
    return render(request, f"{template}#results" if is_htmx(request) else template, context)


@require_GET
def outlet_public(request: HttpRequest) -> HttpResponse:
    """The citizens' outlet directory: no sign-in, approved and open outlets only, public fields only."""
    form = OutletFilterForm(request.GET or None, towns=town_units(), public=True)
    filters = form.filters()
    outlets = selectors.outlet_directory(place_type=filters.place_type, town_id=filters.town, q=filters.q)
    count, exact = count_up_to(outlets)
    page = keyset_page_for(request, outlets, order=("title", "id"), size=PUBLIC_PAGE)
    context = {
        "form": form,
        "page": page,
        "cards": [selectors.outlet_public_card(outlet) for outlet in page.items],
        "count": count,
        "exact": exact,
        "query": list_query(request),
        "city": settings.BANGFU_CITY,
    }
    return render(request, "web/activities/outlets_public.html", context)


# --- import --------------------------------------------------------------------------------------


def _reports(request: HttpRequest) -> dict[str, dict[str, str]]:
    return dict(request.session.get(REPORTS_KEY, {}))


@login_required
@require_http_methods(["GET", "POST"])
def activity_import(request: HttpRequest) -> HttpResponse:
    """Import records of one kind from a spreadsheet: every row is saved, or listed with its reason and
    kept in a problem-row report to fix and import again. Reporters and lead reviewers import for units
    in their scope only."""
    scope = require_role(request, write=True)
    plan = _current_plan()
    items = selectors.item_choices(plan)
    form = ActivityImportForm(
        request.POST or None, request.FILES or None, user=request.user, items=items,
        initial={"kind": request.GET.get("kind", ""), "item": request.GET.get("item") or None},
    )  # fmt: skip
    result = None
    report_token = ""
    error = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        token = secrets.token_urlsafe(16)
        report = Path(settings.MEDIA_ROOT) / REPORTS_FOLDER / f"{token}.xlsx"
        default_org = form.cleaned_data.get("organisation") or _home_unit(scope)
        with tempfile.TemporaryDirectory(prefix="bangfu-activities-") as folder:
            path = Path(folder) / Path(upload.name).name
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                result = access.activities_import_for_user(
                    request.user,
                    path,
                    kind=form.cleaned_data["kind"],
                    default_org=default_org,
                    plan_items={item.code: item for item in items},
                    default_item=form.cleaned_data.get("item"),
                    report_path=report,
                )
            except ActivityImportError as exc:
                error = str(exc)
        if result is not None and result.report:
            reports = _reports(request)
            reports[token] = {"path": result.report, "name": f"工作记录-{Path(upload.name).stem}-问题行.xlsx"}
            request.session[REPORTS_KEY] = dict(list(reports.items())[-10:])
            report_token = token
    context = {
        "form": form,
        "result": result,
        "kind": KINDS.get(form.cleaned_data.get("kind", "")) if form.is_bound and form.is_valid() else None,
        "error": error,
        "report_token": report_token,
        "kinds": list(KINDS.values()),
    }
    status = 400 if request.method == "POST" and (error or not form.is_valid()) else 200
    return render(request, "web/activities/import.html", context, status=status)


@login_required
@require_GET
def import_report(request: HttpRequest, token: str) -> HttpResponseBase:
    """The problem-row report of one of the user's own imports (kept in their session)."""
    require_role(request, write=True)
    entry = _reports(request).get(token)
    if entry is None:
        raise Http404(_("没有这次导入的问题行报告。"))
    path = Path(entry["path"])
    if not path.is_file():
        raise Http404(_("问题行报告已不存在。"))
    return FileResponse(path.open("rb"), as_attachment=True, filename=entry["name"])


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty import file for one kind, with the columns the importer recognises."""
    require_role(request, write=True)
    if kind not in KINDS:
        raise Http404(_("未知的记录类型。"))
    response = HttpResponse(
        import_template_xlsx(kind),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        content_disposition_header(True, f"工作记录导入模板-{KINDS[kind].label}.xlsx") or ""
    )
    return response
