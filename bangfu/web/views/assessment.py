"""Assessment pages: interim rankings per group, a unit's scores with the explanation of every point and
links to the figures and records behind it, published (frozen) runs exactly as stored, and the
coordinator's actions — publishing and veto records.

Each view: the role check (``require_role``) → a scoped read (``assessment.access``) or a service →
render. A unit outside the user's scope is a 404; an action the role may not take is a 403.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bangfu.accounts.access import Scope, require_role
from bangfu.accounts.choices import Role
from bangfu.assessment import access
from bangfu.assessment.models import Scheme, ScoreRun, UnitScore
from bangfu.assessment.scoring import IndicatorResult
from bangfu.assessment.scoring.display import Entry, ShownScore, shown_score
from bangfu.assessment.services import score_publish, veto_add
from bangfu.orgs.models import Organisation
from bangfu.plans.models import Target
from bangfu.web.forms.assessment import AssessmentPeriodForm, PublishForm, VetoForm
from bangfu.web.paging import keyset_page_for, list_query

RUNS_PAGE = 50
RECORD_LINKS = 200  # frozen record ids listed per indicator (the rest are counted)


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _period(
    request: HttpRequest, schemes: list[Scheme]
) -> tuple[AssessmentPeriodForm, Scheme | None, dt.date]:
    form = AssessmentPeriodForm(request.GET or None, schemes=schemes)
    scheme, as_of = form.resolve()
    return form, scheme, as_of


def _no_data(request: HttpRequest, title: str, message: str) -> HttpResponse:
    return render(request, "web/assessment/empty.html", {"title": title, "message": message})


def _no_plan(request: HttpRequest, scheme: Scheme) -> HttpResponse:
    return _no_data(
        request,
        scheme.name,
        _("尚未导入%(year)d年的任务分解表，无法计算得分。") % {"year": scheme.year},
    )


# --- the figures behind a score -------------------------------------------------------------------


@dataclass
class LineRef:
    """One (target, unit) figure an indicator used, with where to see its records."""

    item: str
    names: str
    target: str
    achieved_fen: int
    rate: Decimal | None
    records: int
    link_unit: int | None  # the unit to open the drill-down for (None: outside the user's scope)
    target_id: int


@dataclass
class Explained:
    """An indicator's points and explanation, and the figures behind them."""

    code: str
    name: str
    weight: Decimal
    points: Decimal
    explanation: str
    applicable: bool = True
    veto: bool = False
    lines: list[LineRef] = field(default_factory=list)
    record_ids: list[int] = field(default_factory=list)
    record_count: int = 0
    shown: Decimal | None = None  # the points as counted in the total shown (rescaled, rounded to add up)


def _with_shown(rows: list[Explained], total: Decimal, vetoed: bool) -> tuple[list[Explained], ShownScore]:
    """The rows with the points that add up to the total shown (:mod:`assessment.scoring.display`)."""
    shown = shown_score(
        [Entry(row.weight, row.points, row.applicable, row.veto) for row in rows], total, vetoed=vetoed
    )
    for row, points in zip(rows, shown.points, strict=True):
        row.shown = points
    return rows, shown


def _rate(text: Any) -> Decimal | None:
    return Decimal(str(text)) if text not in (None, "") else None


def _line_refs(reference_lists: list[list[dict[str, Any]]], scope: Scope) -> list[list[LineRef]]:
    """Every indicator's referenced lines, with unit names and targets read in two queries."""
    org_ids = {pk for refs in reference_lists for ref in refs for pk in ref.get("org_ids", [])}
    target_ids = {int(ref.get("target_id") or 0) for refs in reference_lists for ref in refs}
    names = dict(Organisation.objects.filter(pk__in=sorted(org_ids)).values_list("pk", "name"))
    targets = {t.pk: t for t in Target.objects.filter(pk__in=sorted(pk for pk in target_ids if pk))}
    found = []
    for refs in reference_lists:
        lines = []
        for ref in refs:
            units = list(ref.get("org_ids", []))
            target = targets.get(int(ref.get("target_id") or 0))
            lines.append(
                LineRef(
                    item=str(ref.get("item", "")),
                    names="、".join(names.get(pk, f"#{pk}") for pk in units),
                    target=target.display_value if target is not None else "",
                    achieved_fen=int(ref.get("achieved_fen") or 0),
                    rate=_rate(ref.get("rate")),
                    records=int(ref.get("records") or 0),
                    link_unit=next((pk for pk in units if scope.covers(pk)), None)
                    if target is not None
                    else None,
                    target_id=int(ref.get("target_id") or 0),
                )
            )
        found.append(lines)
    return found


def _explain_interim(results: tuple[IndicatorResult, ...], scope: Scope) -> list[Explained]:
    refs = _line_refs([list(r.figures.references.get("lines", [])) for r in results], scope)
    return [
        Explained(
            code=r.rule.code,
            name=r.rule.name,
            weight=r.rule.weight,
            points=r.points,
            explanation=r.explanation,
            applicable=r.applicable,
            veto=r.rule.method == "veto",
            lines=lines,
        )
        for r, lines in zip(results, refs, strict=True)
    ]


def _explain_stored(score: UnitScore, scope: Scope) -> list[Explained]:
    stored = list(score.lines.all())
    refs = _line_refs([list((line.figures or {}).get("lines", [])) for line in stored], scope)
    explained = []
    for line, lines in zip(stored, refs, strict=True):
        record_ids = [int(pk) for pk in (line.figures or {}).get("record_ids", [])]
        explained.append(
            Explained(
                code=line.code,
                name=line.name,
                weight=line.weight,
                points=line.points,
                explanation=line.explanation,
                applicable=bool((line.figures or {}).get("applicable", True)),
                veto="vetoes" in (line.figures or {}),
                lines=lines,
                record_ids=record_ids[:RECORD_LINKS],
                record_count=len(record_ids),
            )
        )
    return explained


# --- interim scores -------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Interim rankings per group for a scheme as of a date (approved records only)."""
    scope = require_role(request)
    form, scheme, as_of = _period(request, list(access.scheme_list_for_user(request.user)))
    if scheme is None:
        return _no_data(
            request, _("考核"), _("尚未载入考核办法。管理员可在管理后台或用 bangfu scheme load 载入。")
        )
    if not access.scheme_has_plan(scheme):
        return _no_plan(request, scheme)
    assessment = access.assessment_for_user(request.user, scheme, as_of=as_of)
    groups = [(name, units) for name, units in assessment.groups.items() if units]
    context = {
        "form": form,
        "scheme": scheme,
        "as_of": as_of,
        "groups": groups,
        "can_administer": scope.can_administer,
        "can_see_vetoes": scope.role in (Role.COORDINATOR, Role.LEADER),
        "query": f"as_of={as_of.isoformat()}",
        "period_query": f"year={scheme.year}&as_of={as_of.isoformat()}",
    }
    template = "web/assessment/index.html"
    return render(request, f"{template}#rankings" if is_htmx(request) else template, context)


@login_required
@require_GET
def unit(request: HttpRequest, scheme: int, unit: int) -> HttpResponse:
    """One unit's interim scores: every indicator's points, its explanation and the figures behind it."""
    scope = require_role(request)
    found_scheme = access.scheme_get_for_user(request.user, scheme)
    _form, _scheme, as_of = _period(request, [found_scheme])
    if not access.scheme_has_plan(found_scheme):
        return _no_plan(request, found_scheme)
    found, group_size = access.unit_assessment_for_user(request.user, found_scheme, unit, as_of=as_of)
    context = {
        "scheme": found_scheme,
        "as_of": as_of,
        "found": found,
        "group_size": group_size,
        "query": f"scheme={found_scheme.pk}&as_of={as_of.isoformat()}",
        "period_query": f"year={found_scheme.year}&as_of={as_of.isoformat()}",
        "can_see_vetoes": scope.role in (Role.COORDINATOR, Role.LEADER),
    }
    context["rows"], context["shown"] = _with_shown(
        _explain_interim(found.result.indicators, scope), found.result.total, found.result.vetoed
    )
    return render(request, "web/assessment/unit.html", context)


# --- published runs -------------------------------------------------------------------------------


def _snapshot_groups(run: ScoreRun) -> list[tuple[str, list[tuple[str, str]]]]:
    """The run's groups and their scored indicators (code, name), in the scheme's order at publishing."""
    groups = []
    for group in (run.scheme_snapshot or {}).get("groups", []):
        indicators = [
            (str(i.get("code", "")), str(i.get("name", "")))
            for i in group.get("indicators", [])
            if i.get("method") != "veto"
        ]
        groups.append((str(group.get("name", "")), indicators))
    return groups


@login_required
@require_GET
def runs(request: HttpRequest) -> HttpResponse:
    require_role(request)
    runs = access.run_list_for_user(request.user)
    page = keyset_page_for(request, runs, order=("-published_at", "-pk"), size=RUNS_PAGE)
    return render(request, "web/assessment/runs.html", {"page": page, "query": list_query(request)})


@login_required
@require_GET
def run(request: HttpRequest, pk: int) -> HttpResponse:
    """A published run: the stored scores of the units the user may see, never recomputed."""
    require_role(request)
    found = access.run_get_for_user(request.user, pk)
    snapshot = _snapshot_groups(found)
    order = {name: position for position, (name, _codes) in enumerate(snapshot)}
    headings = dict(snapshot)
    scores = list(access.run_scores_for_user(request.user, found))
    scores.sort(key=lambda s: (order.get(s.group_name, len(order)), s.group_name, s.rank, s.unit_name))
    groups = []
    for name, members in groupby(scores, key=lambda s: s.group_name):
        codes = headings.get(name, [])
        rows = []
        for score in members:
            lines = list(score.lines.all())
            shown = shown_score(
                [
                    Entry(
                        line.weight,
                        line.points,
                        bool((line.figures or {}).get("applicable", True)),
                        "vetoes" in (line.figures or {}),
                    )
                    for line in lines
                ],
                score.total,
                vetoed=score.vetoed,
            )
            points = {line.code: value for line, value in zip(lines, shown.points, strict=True)}
            rows.append(
                {"score": score, "points": [points.get(code) for code, _name in codes], "scale": shown.scale}
            )
        groups.append({"name": name, "indicators": codes, "rows": rows})
    context = {"run": found, "groups": groups}
    return render(request, "web/assessment/run.html", context)


@login_required
@require_GET
def run_unit(request: HttpRequest, pk: int, unit: int) -> HttpResponse:
    """A unit's stored score in a run: points, explanations and figures as they were published."""
    scope = require_role(request)
    found = access.run_get_for_user(request.user, pk)
    score = access.run_score_get_for_user(request.user, found, unit)
    context = {
        "run": found,
        "score": score,
        "period_query": f"year={found.as_of.year}&as_of={found.as_of.isoformat()}",
    }
    context["rows"], context["shown"] = _with_shown(_explain_stored(score, scope), score.total, score.vetoed)
    return render(request, "web/assessment/run_unit.html", context)


# --- the coordinator's actions --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, scheme: int) -> HttpResponse:
    """Publish (freeze) the scheme's scores as of a date, after an explicit confirmation."""
    require_role(request, administer=True)
    access.require_coordinator(request.user)
    found = access.scheme_get_for_user(request.user, scheme)
    if not access.scheme_has_plan(found):
        return _no_plan(request, found)
    _form, _scheme, as_of = _period(request, [found])
    if request.method == "POST":
        form = PublishForm(request.POST, year=found.year)
        if form.is_valid():
            published = score_publish(
                found,
                as_of=form.cleaned_data["as_of"],
                user=request.user,
                title=form.cleaned_data["title"].strip(),
            )
            messages.success(request, _("已发布并冻结考核结果“%(title)s”。") % {"title": published.title})
            return redirect("assessment:run", pk=published.pk)
        as_of = form.cleaned_data.get("as_of", as_of)
    else:
        form = PublishForm(initial={"as_of": as_of}, year=found.year)
    assessment = access.assessment_for_user(request.user, found, as_of=as_of)
    context = {
        "scheme": found,
        "as_of": as_of,
        "form": form,
        "groups": [(name, len(units)) for name, units in assessment.groups.items()],
        "query": f"scheme={found.pk}&as_of={as_of.isoformat()}",
    }
    return render(request, "web/assessment/publish.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def vetoes(request: HttpRequest, scheme: int) -> HttpResponse:
    """The year's veto records (the office and the leadership); the office adds them."""
    scope = require_role(request, administer=request.method == "POST")
    found = access.scheme_get_for_user(request.user, scheme)
    listed = access.veto_list_for_user(request.user, year=found.year)
    form: VetoForm | None = None
    if scope.can_administer:
        units = access.scheme_units_for_user(request.user, found)
        form = VetoForm(request.POST or None, year=found.year, units=units)
        if request.method == "POST" and form.is_valid():
            veto = veto_add(
                organisation=form.cleaned_data["organisation"],
                date=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("已登记%(unit)s的一票否决事项：截至该日期及以后的得分计为0分。")
                % {"unit": veto.organisation.name},
            )
            return redirect("assessment:vetoes", scheme=found.pk)
    context = {"scheme": found, "vetoes": listed, "form": form}
    status = 400 if form is not None and form.errors else 200
    return render(request, "web/assessment/vetoes.html", context, status=status)
