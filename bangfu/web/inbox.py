"""The inbox (待办): what waits for the signed-in user, read through each app's access module.

A reporter's: records and activities returned to its units, reminders its units received, reporting
periods its unit has not reported. A reviewer's (a lead reviewer, the office): records and activities
awaiting their review — four-eyes, their own are left to another reviewer. The menu shows one bounded
count (:func:`inbox_count`), read only when a full page draws the menu.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from bangfu.accounts.access import Scope, scope_for
from bangfu.activities.access import activity_list_for_user, activity_review_queue_for_user
from bangfu.activities.models import Activity
from bangfu.common.paging import count_up_to
from bangfu.ledger import access as ledger_access
from bangfu.ledger import selectors as ledger_selectors
from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.ledger.selectors import PurchaseFilters
from bangfu.notifications.access import UnitPeriods, reminders_received_for_user, unit_periods_for_user
from bangfu.notifications.models import Reminder
from bangfu.plans.selectors import plan_get

#: Counts in the menu and the inbox stop here ("99+"): a count never costs more than this many rows.
COUNT_LIMIT = 99
#: Returned records listed by name on the inbox (the rest are one click away in the lists).
SHOWN = 5


def returned_purchases_for_user(user: Any, scope: Scope) -> QuerySet[Purchase]:
    """Records sent back to be corrected: a reporter's, in its scope; a reviewer's (who also enters
    records), those they authored — the others are their units' to correct."""
    returned = ledger_selectors.purchase_filter(
        ledger_access.purchase_list_for_user(user), PurchaseFilters(status=RecordStatus.RETURNED)
    )  # read from the index of open records (a scope's OR alone is read row by row)
    return returned.filter(ledger_access.authored_by(user)) if scope.can_review else returned


def returned_activities_for_user(user: Any, scope: Scope) -> QuerySet[Activity]:
    from bangfu.activities.services import activities_authored_by

    returned = activity_list_for_user(user).filter(status=RecordStatus.RETURNED)
    return returned.filter(activities_authored_by(user)) if scope.can_review else returned


@dataclass
class Count:
    n: int
    exact: bool

    def __str__(self) -> str:
        return str(self.n) if self.exact else f"{self.n}+"

    def __bool__(self) -> bool:
        return self.n > 0


def _count(qs: QuerySet[Any]) -> Count:
    return Count(*count_up_to(qs, COUNT_LIMIT))


@dataclass
class Inbox:
    scope: Scope
    returned_purchases: Count
    returned_activities: Count
    purchases: list[Purchase] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    review_purchases: Count = field(default_factory=lambda: Count(0, True))
    review_activities: Count = field(default_factory=lambda: Count(0, True))
    reminders: list[Reminder] = field(default_factory=list)
    periods: list[UnitPeriods] = field(default_factory=list)
    as_of: dt.date | None = None

    @property
    def review_total(self) -> Count:
        return Count(
            self.review_purchases.n + self.review_activities.n,
            self.review_purchases.exact and self.review_activities.exact,
        )

    @property
    def menu_count(self) -> Count:
        """What the menu counts (:func:`inbox_count`), from the figures already read."""
        if self.scope.can_review:
            return self.review_total
        return Count(
            self.returned_purchases.n + self.returned_activities.n,
            self.returned_purchases.exact and self.returned_activities.exact,
        )

    @property
    def empty(self) -> bool:
        return not (
            self.returned_purchases
            or self.returned_activities
            or self.review_purchases
            or self.review_activities
            or self.reminders
            or self.periods
        )


def _first(qs: QuerySet[Any]) -> tuple[list[Any], Count]:
    """The first :data:`SHOWN` rows and the bounded count (counted only when there are more)."""
    rows = list(qs[: SHOWN + 1])
    return rows[:SHOWN], Count(len(rows), True) if len(rows) <= SHOWN else _count(qs)


def inbox_for(user: Any, *, plan: Any = None) -> Inbox | None:
    """The user's inbox (None for the leadership, who enter and review nothing); ``plan``: the plan the
    page shows (default the latest)."""
    scope = scope_for(user)
    if not scope.can_write:
        return None
    purchases, n_purchases = _first(
        returned_purchases_for_user(user, scope).select_related("purchaser").order_by("-date", "-id")
    )
    activities, n_activities = _first(
        returned_activities_for_user(user, scope).select_related("organisation").order_by("-date", "-id")
    )
    inbox = Inbox(
        scope=scope,
        returned_purchases=n_purchases,
        returned_activities=n_activities,
        purchases=purchases,
        activities=activities,
    )
    if scope.can_review:
        inbox.review_purchases = _count(ledger_access.review_queue_for_user(user))
        inbox.review_activities = _count(activity_review_queue_for_user(user))
    if not scope.all_units:
        inbox.reminders = reminders_received_for_user(user)
        plan = plan if plan is not None else plan_get()
        if plan is not None:
            # the calendar as of today (a past year's periods are all due; the current one may be open)
            inbox.as_of = timezone.localdate()
            inbox.periods = unit_periods_for_user(user, plan, today=inbox.as_of)
    return inbox


def inbox_count(user: Any) -> Count | None:
    """The menu's count: what awaits the user's review, or — for a reporter — what was returned to them.
    Two bounded counts (at most :data:`COUNT_LIMIT` rows each)."""
    scope = scope_for(user)
    if not scope.can_write:
        return None
    if scope.can_review:
        first = _count(ledger_access.review_queue_for_user(user))
        second = _count(activity_review_queue_for_user(user))
    else:
        first = _count(returned_purchases_for_user(user, scope))
        second = _count(returned_activities_for_user(user, scope))
    return Count(first.n + second.n, first.exact and second.exact)
