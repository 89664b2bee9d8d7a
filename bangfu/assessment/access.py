"""Permission-checked reads of assessment scores for the web and the API.

Who sees what: the coordinator and the leadership see every unit's scores; a lead reviewer the units in
its scope; a reporter its own unit (and any unit under it that a group scores). Ranks are always those
among *all* units of a group, whoever looks. A unit outside the scope is a 404 (its id says nothing);
publishing and veto records are the coordinator's (403 for anyone else).

Interim scores are computed (approved records only, see :mod:`.selectors`) and cached briefly like the
progress pages' figures; published scores are read as stored, never recomputed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, QuerySet
from django.http import Http404

from bangfu.accounts.access import Scope, scope_for
from bangfu.accounts.choices import Role
from bangfu.orgs.models import Organisation
from bangfu.plans.models import Plan
from bangfu.progress.cache import cached

from .models import Scheme, ScoreRun, UnitScore, VetoRecord
from .selectors import Assessment, UnitAssessment, assessment_compute


def _scope(user: Any) -> Scope:
    scope = scope_for(user)
    if scope.role is None:
        raise PermissionDenied("请先登录。")
    return scope


def _visible(scope: Scope, unit_id: int) -> bool:
    return scope.all_units or unit_id in scope.unit_ids


# --- schemes and interim scores -------------------------------------------------------------------


def scheme_list_for_user(user: Any) -> QuerySet[Scheme]:
    """Every scheme (a scheme is the office's published rules, not unit data), newest year first."""
    _scope(user)
    return Scheme.objects.order_by("-year", "name")


def scheme_get_for_user(user: Any, pk: int) -> Scheme:
    _scope(user)
    scheme = Scheme.objects.filter(pk=pk).first()
    if scheme is None:
        raise Http404("考核办法不存在。")
    return scheme


def scheme_has_plan(scheme: Scheme) -> bool:
    return Plan.objects.filter(year=scheme.year).exists()


def _assessment_stamp(scheme: Scheme) -> tuple[Any, ...]:
    """What moves interim scores beyond the progress data stamp: the scheme's groups and veto records
    (neither is in the audit trail that :mod:`bangfu.progress.cache` watches)."""
    groups = tuple(scheme.groups.order_by("pk").values_list("pk", "name", "kinds", "position"))
    vetoes = VetoRecord.objects.filter(year=scheme.year).aggregate(
        n=Count("pk"), newest=Max("pk"), changed=Max("updated_at")
    )
    return (scheme.updated_at, repr(groups), vetoes["n"], vetoes["newest"], vetoes["changed"])


def _assessment(scheme: Scheme, as_of: dt.date) -> Assessment:
    """Every unit's interim scores (shared between requests: read, never change)."""
    key = ("assessment", scheme.pk, as_of, _assessment_stamp(scheme))
    return cached(key, lambda: assessment_compute(scheme, as_of=as_of))


def assessment_for_user(user: Any, scheme: Scheme, *, as_of: dt.date) -> Assessment:
    """The interim scores of the units the user may see, group by group (ranks among all units).
    The scheme's year must have a plan (:func:`scheme_has_plan`)."""
    scope = _scope(user)
    full = _assessment(scheme, as_of)
    if scope.all_units:
        return full
    return Assessment(
        scheme=full.scheme,
        plan=full.plan,
        as_of=full.as_of,
        groups={
            name: [u for u in units if _visible(scope, u.unit.pk)] for name, units in full.groups.items()
        },
    )


def unit_assessment_for_user(
    user: Any, scheme: Scheme, unit_pk: int, *, as_of: dt.date
) -> tuple[UnitAssessment, int]:
    """One unit's interim scores with every indicator's explanation, and how many units its group
    ranks; 404 outside the user's scope (or when no group of the scheme scores the unit)."""
    scope = _scope(user)
    if not _visible(scope, unit_pk):
        raise Http404("单位不存在或不在本单位范围内。")
    for units in _assessment(scheme, as_of).groups.values():
        for unit in units:
            if unit.unit.pk == unit_pk:
                return unit, len(units)
    raise Http404("该单位不参加本考核办法的考核。")


# --- published runs -------------------------------------------------------------------------------


def run_list_for_user(user: Any) -> QuerySet[ScoreRun]:
    """Every published run (its existence is public to the users; its scores are scoped)."""
    _scope(user)
    return ScoreRun.objects.select_related("scheme", "published_by").order_by("-published_at", "-pk")


def run_get_for_user(user: Any, pk: int) -> ScoreRun:
    run = run_list_for_user(user).filter(pk=pk).first()
    if run is None:
        raise Http404("考核结果不存在。")
    return run


def run_scores_for_user(user: Any, run: ScoreRun) -> QuerySet[UnitScore]:
    """The run's stored unit scores the user may see, by group and rank, with their indicator lines."""
    scope = _scope(user)
    scores = (
        UnitScore.objects.filter(run=run)
        .prefetch_related("lines")
        .order_by("group_name", "rank", "unit_name", "pk")
    )
    if not scope.all_units:
        scores = scores.filter(organisation_id__in=sorted(scope.unit_ids))
    return scores


def run_score_get_for_user(user: Any, run: ScoreRun, unit_pk: int) -> UnitScore:
    """A unit's stored score in a run with its indicator lines; 404 outside the user's scope."""
    scope = _scope(user)
    if not _visible(scope, unit_pk):
        raise Http404("单位不存在或不在本单位范围内。")
    score = run_scores_for_user(user, run).filter(organisation_id=unit_pk).first()
    if score is None:
        raise Http404("该单位不在这次考核结果中。")
    return score


# --- the coordinator's actions --------------------------------------------------------------------


def require_coordinator(user: Any) -> Scope:
    """Publishing scores and recording vetoes are the office's (403 for every other role)."""
    scope = _scope(user)
    if scope.role != Role.COORDINATOR:
        raise PermissionDenied("只有管理员可以发布考核结果和登记一票否决事项。")
    return scope


def veto_list_for_user(user: Any, *, year: int) -> QuerySet[VetoRecord]:
    """The year's veto records: the office (which records them) and the leadership read them all."""
    scope = _scope(user)
    if scope.role not in (Role.COORDINATOR, Role.LEADER):
        raise PermissionDenied("当前账号无此权限。")
    return VetoRecord.objects.filter(year=year).select_related("organisation").order_by("-date", "-pk")


def scheme_units_for_user(user: Any, scheme: Scheme) -> list[Organisation]:
    """The units the scheme's groups score (for recording a veto): the coordinator only."""
    require_coordinator(user)
    kinds = sorted({kind for group in scheme.groups.all() for kind in (group.kinds or [])})
    return list(Organisation.objects.filter(kind__in=kinds, active=True).order_by("name"))
