"""Unit contacts (单位联系方式): where a unit's reminders go. The office edits any unit's, a reporter or
lead reviewer their own unit's (``notifications.access.contact_units_for_user``); the leadership none.
The signing secret is never shown back."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bangfu.accounts.access import require_role
from bangfu.common.paging import count_up_to
from bangfu.notifications import access
from bangfu.notifications.models import UnitContact
from bangfu.notifications.services import unit_contact_set
from bangfu.plans.selectors import plan_get
from bangfu.progress.calendar import expected_units, reporting_calendar_get
from bangfu.web.forms.contacts import ContactForm


@login_required
@require_GET
def contact_list(request: HttpRequest) -> HttpResponse:
    """The office: the units expected to report, with or without a contact; others go to their own."""
    scope = require_role(request, write=True)
    if not scope.can_administer:
        if scope.home_unit_id is None:
            return render(request, "web/contacts/list.html", {"rows": [], "missing": 0})
        return redirect("contacts:edit", unit=scope.home_unit_id)
    plan = plan_get()
    units = expected_units(plan, reporting_calendar_get(plan)) if plan is not None else {}
    contacts = {c.unit_id: c for c in UnitContact.objects.select_related("unit")}
    for unit_id, contact in contacts.items():
        units.setdefault(unit_id, contact.unit)
    rows = sorted(
        ((unit, contacts.get(pk)) for pk, unit in units.items()), key=lambda r: (r[1] is not None, r[0].name)
    )
    context = {
        "rows": rows,
        "missing": sum(1 for _unit, contact in rows if contact is None),
        "total": count_up_to(access.contact_units_for_user(request.user))[0],
    }
    return render(request, "web/contacts/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, unit: int) -> HttpResponse:
    require_role(request, write=True)
    org = access.contact_unit_get_for_user(request.user, unit)
    contact = UnitContact.objects.filter(unit=org).first()
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            unit_contact_set(unit=org, **{name: form.cleaned_data.get(name, "") for name in form.Meta.fields})
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已保存%(unit)s的联系方式。") % {"unit": org.name})
            return redirect("contacts:edit", unit=org.pk)
    return render(
        request,
        "web/contacts/edit.html",
        {"form": form, "unit": org, "contact": contact, "status": 400 if form.errors else 200},
        status=400 if form.errors else 200,
    )
