"""Reads of the ledger for the web and the API: filtered lists with keyset pagination, bounded counts,
the review queue, a record's provenance and history.

Every function takes an already scoped queryset (``ledger.access``); nothing here decides who sees what.

Pages are **keyset** pages: a cursor is the sort value and id of the last (or first) row shown, and the
next page is "rows after that", read from an index — page 10,000 costs what page 1 costs, and nothing
counts a million rows. The number of matching rows is counted up to :data:`COUNT_LIMIT` only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bangfu.common import paging
from bangfu.common.money import format_yuan
from bangfu.orgs.models import Organisation
from bangfu.orgs.selectors import org_children_map, org_subtree_ids
from bangfu.plans.selectors import plan_get
from bangfu.regions.models import Region
from bangfu.regions.selectors import paired_region_ids

from . import query_plans
from .choices import ApprovalAction, Category, Channel, RecordStatus
from .models import ApprovalEvent, ImportBatch, Purchase, PurchaseSighting
from .query_plans import ScopeParts

PAGE_SIZE = 50
#: Rows counted at most for "N 条" (one limit for every list: ``common.paging``).
COUNT_LIMIT = paging.COUNT_LIMIT

#: sort key → (field, descending)
SORTS: dict[str, tuple[str, bool]] = {
    "-date": ("date", True),
    "date": ("date", False),
    "-amount": ("amount_fen", True),
    "amount": ("amount_fen", False),
    "id": ("id", False),
    "-id": ("id", True),
}
DEFAULT_SORT = "-date"


# --- filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseFilters:
    """What the ledger list can be narrowed by. Empty values filter nothing."""

    unit: int | None = None  # purchaser: this unit and its whole jurisdiction
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    status: str = ""
    channel: str = ""
    eligible: bool | None = None  # origin is paired in the list's year (yes) / is not or unknown (no)
    batch: int | None = None
    q: str = ""  # purchaser name or product contains
    order_no: str = ""  # order number starts with

    @property
    def countable(self) -> bool:
        """Whether counting the matching rows (up to :data:`COUNT_LIMIT`) is cheap: every filter is read
        from an index. Channel, origin and text filters are checked row by row — over a million rows a
        rare channel or a word that is nowhere would make the count read the whole table."""
        return self.eligible is None and not self.channel and not self.q


def purchase_list_year(filters: PurchaseFilters) -> int:
    """The year whose pairings make an origin "paired" for the eligible filter — what that year's
    progress counts (``regions.selectors.paired_region_ids``): the year the filter's date range lies in
    when both ends fall in one year; otherwise (no range, an open or a multi-year range) the current
    plan's year (the latest task table, as on the dashboard), or this year when there is no plan."""
    start, end = filters.date_from, filters.date_to
    if start and end and start.year == end.year:
        return start.year
    plan = plan_get()
    return plan.year if plan is not None else timezone.localdate().year


def purchase_filter(qs: QuerySet[Purchase], filters: PurchaseFilters, *, via: str = "") -> QuerySet[Purchase]:
    """``qs`` narrowed by ``filters``. Each condition is written by ``ledger.query_plans`` where the
    index it is read from matters.

    ``via="purchaser"``: ``qs`` is a scope's :attr:`ScopeParts.bought` (its date range is then checked
    inside the purchaser's index).
    """
    if filters.unit is not None:
        units = org_subtree_ids(filters.unit, children=org_children_map())
        qs = query_plans.purchaser_in(qs, sorted(units))
    qs = query_plans.date_between(
        qs,
        filters.date_from,
        filters.date_to,
        in_purchaser_index=via == "purchaser",
        status_filtered=bool(filters.status),
    )
    if filters.status:
        qs = query_plans.status_is(qs, filters.status)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.eligible is not None:
        paired = sorted(paired_region_ids(purchase_list_year(filters)))
        if filters.eligible:
            qs = qs.filter(origin_region_id__in=paired)
        else:
            qs = qs.filter(Q(origin_region_id__isnull=True) | ~Q(origin_region_id__in=paired))
    if filters.batch is not None:
        qs = query_plans.batch_is(qs, filters.batch)
    if filters.q:
        qs = qs.filter(Q(purchaser_name__contains=filters.q) | Q(product__contains=filters.q))
    if filters.order_no:
        prefix = _order_prefix(filters.order_no)
        qs = qs.filter(prefix) if prefix is not None else qs.none()
    return qs


def _order_prefix(order_no: str) -> Q | None:
    """Records whose order number starts with ``order_no``: their de-duplication key
    (``n:<order key>:<fen>``, unique and indexed) starts with ``n:<order key>``. None for a number that
    normalises to nothing (no record matches)."""
    from .parsing import normalise_order_key

    key = normalise_order_key(order_no)
    if not key:
        return None
    return query_plans.text_prefix("dedupe_key", f"n:{key}")


# --- keyset pages --------------------------------------------------------------------------------


@dataclass
class Page:
    items: list[Purchase]
    sort: str
    next_cursor: str | None = None
    prev_cursor: str | None = None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None

    def __iter__(self) -> Iterator[Purchase]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _cursor_of(purchase: Purchase, field_name: str) -> str:
    value = getattr(purchase, field_name)
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return f"{text}~{purchase.pk}"


def _parse_cursor(cursor: str, field_name: str) -> tuple[Any, int] | None:
    """A cursor from the query string; None when it is not one of ours (then page 1 is shown)."""
    value, sep, pk = (cursor or "").partition("~")
    if not sep:
        return None
    try:
        parsed_pk = int(pk)
        parsed: Any = dt.date.fromisoformat(value) if field_name == "date" else int(value)
    except ValueError:
        return None
    if not all(-(2**63) < n < 2**63 for n in (parsed_pk, parsed) if isinstance(n, int)):
        return None  # no column holds it; Django would turn the comparison into "no rows"
    return parsed, parsed_pk


def _beyond(field_name: str, value: Any, pk: int, *, descending: bool) -> Q:
    """Rows after (value, pk) in the order: written ``field <= v AND (field < v OR id < pk)`` so that
    the first term is an index range on every database."""
    if field_name == "id":
        return Q(pk__lt=pk) if descending else Q(pk__gt=pk)
    if descending:
        return Q(**{f"{field_name}__lte": value}) & (Q(**{f"{field_name}__lt": value}) | Q(pk__lt=pk))
    return Q(**{f"{field_name}__gte": value}) & (Q(**{f"{field_name}__gt": value}) | Q(pk__gt=pk))


def _ordering(field_name: str, descending: bool) -> list[str]:
    sign = "-" if descending else ""
    if field_name == "id":
        return [f"{sign}id"]
    return [f"{sign}{field_name}", f"{sign}id"]


#: How the rows of a page are read, given a queryset of them: :func:`for_list` (the ledger list's
#: columns) unless a page shows other columns (the records behind a progress figure show provenance).
Shape = Callable[[QuerySet[Purchase]], QuerySet[Purchase]]


def _by_ids(ids: Sequence[int], shape: Shape | None = None) -> list[Purchase]:
    """The rows with these ids, with ``shape``'s columns (default :func:`for_list`), in the order of ``ids``."""
    by_id = {p.pk: p for p in (shape or for_list)(Purchase.objects.filter(pk__in=list(ids)))}
    return [by_id[pk] for pk in ids if pk in by_id]


def purchase_page(
    qs: QuerySet[Purchase],
    *,
    sort: str = DEFAULT_SORT,
    after: str = "",
    before: str = "",
    size: int = PAGE_SIZE,
    large: bool = False,
    shape: Shape | None = None,
) -> Page:
    """One page of ``qs`` in ``sort`` order: the first, the one after cursor ``after`` or the one before
    cursor ``before``. ``large``: ``qs`` is known to hold many rows, so they are met early in the sort's
    index (read by walking it: ``query_plans.ids_in_sort_order``; the rows then read with ``shape``).
    A cursor beyond either end shows the first or the last page."""
    if sort not in SORTS:
        sort = DEFAULT_SORT
    field_name, descending = SORTS[sort]
    after_key = _parse_cursor(after, field_name) if after else None
    before_key = _parse_cursor(before, field_name) if before else None

    def fetch(ordered: QuerySet[Purchase]) -> list[Purchase]:
        try:
            ids = query_plans.ids_in_sort_order(ordered, field_name) if large else None
        except EmptyResultSet:
            return []
        return list(ordered) if ids is None else _by_ids(ids, shape)

    def last_page() -> Page:
        rows = fetch(qs.order_by(*_ordering(field_name, not descending))[: size + 1])
        items = list(reversed(rows[:size]))
        page = Page(items=items, sort=sort)
        if items and len(rows) > size:
            page.prev_cursor = _cursor_of(items[0], field_name)
        return page

    if before_key is not None:
        rows = fetch(
            qs.filter(_beyond(field_name, *before_key, descending=not descending)).order_by(
                *_ordering(field_name, not descending)
            )[: size + 1]
        )
        has_prev = len(rows) > size
        items = list(reversed(rows[:size]))
        page = Page(items=items, sort=sort)
        if items:
            page.next_cursor = _cursor_of(items[-1], field_name)
            page.prev_cursor = _cursor_of(items[0], field_name) if has_prev else None
            return page
        after_key = None  # nothing before the cursor: the first page
    rows = fetch(
        (qs.filter(_beyond(field_name, *after_key, descending=descending)) if after_key else qs).order_by(
            *_ordering(field_name, descending)
        )[: size + 1]
    )
    items = rows[:size]
    if not items and after_key is not None:
        return last_page()  # nothing after the cursor (made up, or its row deleted): the last page
    page = Page(items=items, sort=sort)
    if items:
        page.next_cursor = _cursor_of(items[-1], field_name) if len(rows) > size else None
        page.prev_cursor = _cursor_of(items[0], field_name) if after_key is not None else None
    return page


def purchase_filter_parts(parts: ScopeParts | None, filters: PurchaseFilters) -> list[QuerySet[Purchase]]:
    """Both parts of a scope narrowed by ``filters`` (see :class:`ScopeParts`); none for a scope of
    every record."""
    if parts is None:
        return []
    return [
        purchase_filter(parts.bought, filters, via="purchaser"),
        purchase_filter(parts.reported_elsewhere, filters),
    ]


def purchase_count(
    qs: QuerySet[Purchase], limit: int | None = None, *, parts: Sequence[QuerySet[Purchase]] = ()
) -> tuple[int, bool]:
    """(number of rows, exact?) — counted up to ``limit`` (:data:`COUNT_LIMIT`) rows, never more.
    ``parts``: disjoint querysets whose union is ``qs``, counted one after the other instead."""
    limit = COUNT_LIMIT if limit is None else limit
    counted = 0
    for part in parts or (qs,):
        counted += part.order_by()[: limit - counted + 1].count()
        if counted > limit:
            return limit, False
    return counted, True


@dataclass
class Listing:
    """A page of a filtered list with what is known cheaply about the whole set: its size (exact up to
    :data:`COUNT_LIMIT`, else "more than") and, when exact, its total amount."""

    page: Page
    count: int | None
    exact: bool
    total_fen: int | None


def _key_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _page_in_memory(
    qs: QuerySet[Purchase],
    *,
    sort: str,
    after: str,
    before: str,
    size: int,
    parts: Sequence[QuerySet[Purchase]] = (),
    shape: Shape | None = None,
) -> tuple[Page, int]:
    """A page of a set known to be small: its sort keys are read without ORDER BY (so the database
    uses whichever index its filters need — for a small jurisdiction, both sides of the scope's OR),
    sorted here, and the page's rows fetched by id. Returns the page and the set's total amount."""
    field_name, descending = SORTS[sort]
    keys = sorted(
        (
            key
            for part in parts or (qs,)
            for key in part.order_by().values_list(field_name, "id", "amount_fen")
        ),
        reverse=descending,
    )
    total = sum(amount for _value, _pk, amount in keys)

    def precedes(key: tuple[Any, int], cursor: tuple[Any, int]) -> bool:
        return key > cursor if descending else key < cursor

    after_key = _parse_cursor(after, field_name) if after else None
    before_key = _parse_cursor(before, field_name) if before else None
    if before_key is not None:
        end = sum(1 for value, pk, _a in keys if precedes((value, pk), before_key))
        start = max(0, end - size)
        if end == 0:  # nothing before the cursor: the first page
            end = size
    elif after_key is not None:
        start = sum(
            1 for value, pk, _a in keys if precedes((value, pk), after_key) or (value, pk) == after_key
        )
        if start >= len(keys):  # nothing after the cursor: the last page
            start = max(0, len(keys) - size)
        end = start + size
    else:
        start, end = 0, size
    chosen = keys[start:end]
    page = Page(items=_by_ids([pk for _value, pk, _a in chosen], shape), sort=sort)
    if chosen:
        first, last = chosen[0], chosen[-1]
        page.prev_cursor = f"{_key_text(first[0])}~{first[1]}" if start > 0 else None
        page.next_cursor = f"{_key_text(last[0])}~{last[1]}" if start + len(chosen) < len(keys) else None
    return page, total


def purchase_listing(
    qs: QuerySet[Purchase],
    *,
    countable: bool = True,
    sort: str = DEFAULT_SORT,
    after: str = "",
    before: str = "",
    size: int = PAGE_SIZE,
    parts: Sequence[QuerySet[Purchase]] = (),
    shape: Shape | None = None,
) -> Listing:
    """The ledger list: a keyset page of ``qs`` plus its count and total when they are cheap.

    - ``countable`` (every filter served by an index): the rows are counted up to :data:`COUNT_LIMIT`.
      A set that small is paged in memory (:func:`_page_in_memory`) and summed on the way; a larger one
      is read in index order, ``LIMIT size + 1`` — with thousands of matches the ordered scan meets them
      early.
    - otherwise the ordered scan only; the count is known when everything fits on one page.

    ``parts`` (:func:`purchase_filter_parts`): disjoint pieces of ``qs`` to count and to read the keys
    of a small set from, each through its own index. ``shape``: how the page's rows are read (default
    :func:`for_list`).
    """
    if sort not in SORTS:
        sort = DEFAULT_SORT
    shape = shape or for_list
    if countable:
        count, exact = purchase_count(qs, parts=parts)
        if exact:
            page, total = _page_in_memory(
                qs, sort=sort, after=after, before=before, size=size, parts=parts, shape=shape
            )
            return Listing(page=page, count=count, exact=True, total_fen=total)
        page = purchase_page(
            shape(qs), sort=sort, after=after, before=before, size=size, large=True, shape=shape
        )
        return Listing(page=page, count=count, exact=False, total_fen=None)
    page = purchase_page(shape(qs), sort=sort, after=after, before=before, size=size)
    if not page.has_next and not page.has_prev:
        return Listing(page, len(page.items), True, sum(p.amount_fen for p in page.items))
    return Listing(page=page, count=None, exact=False, total_fen=None)


#: The columns a list of records shows.
LIST_COLUMNS = (
    "id",
    "date",
    "date_precision",
    "amount_fen",
    "purchaser_id",
    "purchaser_name",
    "product",
    "origin",
    "origin_region_id",
    "channel",
    "category",
    "status",
    "order_no",
    "batch_id",
    "row_number",
)


def for_list(qs: QuerySet[Purchase], *, also: Sequence[str] = ()) -> QuerySet[Purchase]:
    """The columns a list shows (no original cells) and ``also``, with the purchaser's and origin
    county's names.

    The names are fetched for the page's rows afterwards, not joined: a filter on the origin turns a
    join into an inner join, and SQLite then starts from the region table and sorts every matching row.
    """
    return qs.prefetch_related(
        Prefetch("purchaser", queryset=Organisation.objects.only("id", "name", "active")),
        Prefetch("origin_region", queryset=Region.objects.only("id", "county")),
    ).only(*LIST_COLUMNS, *also)


# --- the review queue ----------------------------------------------------------------------------


#: Groups the review queue lists at most: the oldest import batches first, then hand entry by unit (a
#: work list: what is reviewed makes room for the next).
QUEUE_GROUPS = 10
#: How far each group's records are counted (and, when that many or fewer, summed): a queue of a
#: quarter of a million records is never read whole for one page.
QUEUE_GROUP_COUNT = 200


@dataclass
class QueueGroup:
    """Submitted records of one import batch, or those entered by hand for one reporting unit. Counted
    up to :data:`QUEUE_GROUP_COUNT`; the total and the dates are known when the count is exact."""

    batch: ImportBatch | None
    unit: Organisation | None
    count: int
    exact: bool
    total_fen: int | None
    first: dt.date | None
    last: dt.date | None

    @property
    def key(self) -> str:
        return f"batch={self.batch.pk}" if self.batch else f"unit={self.unit.pk if self.unit else 0}"

    @property
    def total_yuan(self) -> str:
        return format_yuan(self.total_fen) if self.total_fen is not None else ""


def approval_group_records(
    queue: QuerySet[Purchase], batch_id: int | None, unit_id: int | None
) -> QuerySet[Purchase]:
    """The records of one group of the queue: a batch's, or (``batch_id`` None) those entered by hand
    for unit ``unit_id`` (None: with no reporting unit)."""
    if batch_id is not None:
        return queue.filter(batch_id=batch_id)
    if unit_id is None:
        return queue.filter(batch__isnull=True, reporting_org__isnull=True)
    return queue.filter(batch__isnull=True, reporting_org_id=unit_id)


def _next_value(qs: QuerySet[Purchase], field_name: str, after: int | None) -> int | None:
    """The smallest ``field_name`` above ``after`` in ``qs`` — one seek in the review queue's index."""
    if after is not None:
        qs = qs.filter(**{f"{field_name}__gt": after})
    return (
        qs.filter(**{f"{field_name}__isnull": False})
        .order_by(field_name)
        .values_list(field_name, flat=True)
        .first()
    )


def _group_keys(queue: QuerySet[Purchase], limit: int) -> tuple[list[tuple[int | None, int | None]], bool]:
    """Up to ``limit`` groups' (batch, unit) keys, each found by one seek: the batches in id order, then
    the units with hand-entered records, then hand entry with no unit; and whether there are more."""
    keys: list[tuple[int | None, int | None]] = []
    batch: int | None = None
    while len(keys) <= limit and (batch := _next_value(queue, "batch_id", batch)) is not None:
        keys.append((batch, None))
    by_hand = queue.filter(batch__isnull=True)
    unit: int | None = None
    while len(keys) <= limit and (unit := _next_value(by_hand, "reporting_org_id", unit)) is not None:
        keys.append((None, unit))
    if len(keys) <= limit and by_hand.filter(reporting_org__isnull=True).exists():
        keys.append((None, None))
    return keys[:limit], len(keys) > limit


def approval_group(
    queue: QuerySet[Purchase],
    batch_id: int | None,
    unit_id: int | None,
    *,
    batches: dict[int, ImportBatch] | None = None,
    units: dict[int, Organisation] | None = None,
) -> QueueGroup | None:
    """One group of the queue with its figures (counted up to :data:`QUEUE_GROUP_COUNT` records, read
    from the review queue's index); None when it holds no record. ``batches``, ``units``: already read."""
    sample = approval_group_records(queue, batch_id, unit_id).order_by()[: QUEUE_GROUP_COUNT + 1]
    figures = sample.aggregate(n=Count("id"), total=Sum("amount_fen"), first=Min("date"), last=Max("date"))
    if not figures["n"]:
        return None
    exact = figures["n"] <= QUEUE_GROUP_COUNT
    batch = unit = None
    if batch_id is not None:
        batch = (batches or {}).get(batch_id) or ImportBatch.objects.select_related("reporting_org").get(
            pk=batch_id
        )
    elif unit_id is not None:
        unit = (units or {}).get(unit_id) or Organisation.objects.get(pk=unit_id)
    return QueueGroup(
        batch=batch,
        unit=unit,
        count=min(figures["n"], QUEUE_GROUP_COUNT),
        exact=exact,
        total_fen=figures["total"] if exact else None,
        first=figures["first"] if exact else None,
        last=figures["last"] if exact else None,
    )


@dataclass
class QueueGroups:
    groups: list[QueueGroup]
    more: bool  # the queue holds groups beyond these


def approval_groups(queue: QuerySet[Purchase], *, limit: int | None = None) -> QueueGroups:
    """The review queue by batch (imports) and by reporting unit (hand entry): at most ``limit``
    (:data:`QUEUE_GROUPS`) groups,
    the oldest batches first, each counted up to :data:`QUEUE_GROUP_COUNT` — bounded work whatever the
    queue's size: per group a seek and a count of at most that many index entries (two queries)."""
    keys, more = _group_keys(queue, QUEUE_GROUPS if limit is None else limit)
    batches = ImportBatch.objects.select_related("reporting_org").in_bulk(
        [b for b, _u in keys if b is not None]
    )
    units = Organisation.objects.in_bulk([u for b, u in keys if b is None and u is not None])
    groups = [
        group
        for b, u in keys
        if (group := approval_group(queue, b, u, batches=batches, units=units)) is not None
    ]
    return QueueGroups(groups=groups, more=more)


# --- history and provenance ----------------------------------------------------------------------

FIELD_LABELS: dict[str, Any] = {
    "purchaser": _("采购单位"),
    "date": _("采购日期"),
    "amount_fen": _("金额（元）"),
    "product": _("产品"),
    "supplier": _("供应商"),
    "origin": _("产地"),
    "channel": _("采购渠道"),
    "category": _("采购类别"),
    "quantity": _("数量"),
    "quantity_unit": _("计量单位"),
    "order_no": _("订单号/发票号"),
    "remarks": _("备注"),
}
_LABELS_OF = {"channel": dict(Channel.choices), "category": dict(Category.choices)}


def _shown(name: str, value: Any) -> str:
    if value is None or value == "":
        return str(_("（空）"))
    if name == "amount_fen":
        return format_yuan(int(value))
    if name in _LABELS_OF:
        return str(_LABELS_OF[name].get(value, value))
    return str(value)


@dataclass(frozen=True)
class ChangeLine:
    field: str
    label: str
    before: str
    after: str


def describe_changes(changes: dict[str, Any]) -> list[ChangeLine]:
    """An event's ``changes`` as lines a reviewer reads: 金额（元） 1,000.00 → 1,200.00."""
    lines = []
    for name, pair in changes.items():
        before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        lines.append(
            ChangeLine(name, FIELD_LABELS.get(name, name), _shown(name, before), _shown(name, after))
        )
    return lines


def purchase_events(purchase: Purchase) -> list[ApprovalEvent]:
    return list(purchase.events.select_related("actor").order_by("id"))


def pending_changes(purchase_ids: Sequence[int]) -> dict[int, list[ApprovalEvent]]:
    """For records back in review because approved data changed: the change events since the approval
    (in order), by record id. Records not in that situation are absent."""
    pending: dict[int, list[ApprovalEvent]] = defaultdict(list)
    if not purchase_ids:
        return {}
    events = (
        ApprovalEvent.objects.filter(purchase_id__in=list(purchase_ids))
        .select_related("actor")
        .order_by("purchase_id", "id")
    )
    for event in events:
        current = pending[event.purchase_id]
        if event.action in (ApprovalAction.APPROVE, ApprovalAction.RETURN):
            current.clear()
        elif event.action == ApprovalAction.CHANGE and (
            event.from_status == RecordStatus.APPROVED or current
        ):
            current.append(event)
    return {pk: events for pk, events in pending.items() if events}


@dataclass
class Provenance:
    """Where a record came from: its file, sheet and row, the original cells under their headers, and
    every other place the same purchase was seen."""

    batch: ImportBatch | None
    sheet: str
    row: int | None
    cells: list[tuple[str, str]]
    sightings: list[dict[str, Any]] = field(default_factory=list)


def _zip_cells(headers: Sequence[str], raw: Iterable[Any]) -> list[tuple[str, str]]:
    values = [str(v) if v is not None else "" for v in raw]
    width = max(len(headers), len(values))
    return [
        (
            headers[i] if i < len(headers) and headers[i] else f"第{i + 1}列",
            values[i] if i < len(values) else "",
        )
        for i in range(width)
    ]


def purchase_provenance(purchase: Purchase) -> Provenance:
    batch = purchase.batch
    headers = batch.headers_of(purchase.sheet) if batch else []
    sightings = [
        {
            "batch": s.batch,
            "sheet": s.sheet,
            "row": s.row_number,
            "purchaser_name": s.purchaser_name,
            "cells": _zip_cells(s.batch.headers_of(s.sheet), s.raw),
        }
        for s in PurchaseSighting.objects.filter(purchase=purchase).select_related("batch").order_by("id")
    ]
    return Provenance(
        batch=batch,
        sheet=purchase.sheet,
        row=purchase.row_number,
        cells=_zip_cells(headers, purchase.raw or []),
        sightings=sightings,
    )


#: Derived keys the audit trail records but a person need not read.
_AUDIT_HIDDEN = {"id", "dedupe_key", "order_key", "updated_at", "created_at", "raw"}
_AUDIT_ACTIONS = {0: _("新增"), 1: _("修改"), 2: _("删除"), 3: _("查看")}


def _audit_value(name: str, value: Any) -> str:
    if value in (None, "None", ""):
        return str(_("（空）"))
    if name == "amount_fen":
        try:
            return format_yuan(int(value))
        except (TypeError, ValueError):
            return str(value)
    if name == "status":
        return str(dict(RecordStatus.choices).get(value, value))
    return _shown(name, value)


def purchase_audit_entries(purchase: Purchase) -> list[dict[str, Any]]:
    """The audit trail (django-auditlog) of one record: who changed which fields when, before → after."""
    from auditlog.models import LogEntry

    entries = []
    for entry in LogEntry.objects.get_for_object(purchase).select_related("actor").order_by("timestamp"):
        changes = []
        for name, values in (entry.changes_dict or {}).items():
            if name in _AUDIT_HIDDEN or not isinstance(values, list | tuple):
                continue
            try:
                model_field = Purchase._meta.get_field(name)
            except FieldDoesNotExist:  # a field that no longer exists
                label = name
            else:
                if not getattr(model_field, "concrete", False):
                    continue  # a reverse relation (the record's events, sightings …), not a value
                label = str(FIELD_LABELS.get(name) or getattr(model_field, "verbose_name", name))
            before = values[0] if len(values) > 0 else None
            after = values[1] if len(values) > 1 else None
            changes.append((label, _audit_value(name, before), _audit_value(name, after)))
        entries.append(
            {
                "timestamp": entry.timestamp,
                "actor": entry.actor,
                "action": str(_AUDIT_ACTIONS.get(entry.action, entry.get_action_display())),
                "changes": changes,
            }
        )
    return entries


def batch_problem_rows(batch: ImportBatch, limit: int = 500) -> list[dict[str, Any]]:
    rows = []
    for row in batch.problem_rows.order_by("id")[:limit]:
        rows.append(
            {
                "outcome": row.get_outcome_display(),
                "outcome_code": row.outcome,
                "sheet": row.sheet,
                "row": row.row_number,
                "reason": row.reason,
                "cells": _zip_cells(batch.headers_of(row.sheet), row.raw),
            }
        )
    return rows
