"""Suggestions for the unit picker (``web.forms.units``): the units of the user's scope whose name, or a
name they are known by, contains what was typed — and, with ``groups=1`` (the plan review's lists of
units), the groups of units first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from bangfu.accounts.access import require_role
from bangfu.ledger.access import unit_choices_for_user
from bangfu.orgs.models import OrgGroup
from bangfu.web.forms.units import unit_label

SUGGESTIONS = 30


@login_required
@require_GET
def unit_suggest(request: HttpRequest) -> HttpResponse:
    require_role(request)
    field = request.GET.get("field") or "q"
    typed = (request.GET.get(field) or "").strip()[:50]
    units = unit_choices_for_user(request.user)
    if request.GET.get("active"):
        units = units.filter(active=True)
    found = []
    if typed:
        matching = units.filter(Q(name__contains=typed) | Q(names__name__contains=typed)).distinct()
        # Names that start with the text first, then the rest, each alphabetically.
        found = sorted(
            matching.order_by("name").only("id", "name", "active")[: SUGGESTIONS * 4],
            key=lambda u: (not u.name.startswith(typed), len(u.name), u.name),
        )[:SUGGESTIONS]
    options = [(unit.name, unit_label(unit)) for unit in found]
    if typed and request.GET.get("groups"):
        options = _group_options(typed) + options
    return render(request, "web/units/suggest.html", {"options": options[:SUGGESTIONS]})


def _group_options(typed: str) -> list[tuple[str, str]]:
    """Groups whose name or an alias contains the text (a handful: read whole)."""
    found = []
    for name, aliases in OrgGroup.objects.order_by("name").values_list("name", "aliases"):
        if any(typed in written for written in (name, *(aliases or ()))):
            found.append((name, _("单位组：%(name)s") % {"name": name}))
    return found
