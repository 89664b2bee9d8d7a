"""Keyset ("seek") pages of any ordered queryset, for lists that grow without bound.

A page number is an OFFSET: page 9,286 makes the database read and sort (and, with joins, hold) every
row before it, and ``?page=-1`` or a huge number sends Django's paginator to the last page, which is the
same work. A keyset page instead continues *after the last row shown*: the cursor holds that row's sort
values, and the next page is ``WHERE (sort values) > cursor ORDER BY … LIMIT size + 1`` — the same cost
at any depth, and rows added meanwhile neither shift nor repeat.

Cursors come from the query string (``?after=`` / ``?before=``), so they are untrusted: one that is not
ours, or whose values do not fit the columns, shows the first page; one beyond the end shows the last
page. Nothing a client sends makes a page cost more than one bounded query.

The ledger's purchase lists use their own keyset pages (``ledger.selectors.purchase_page``) tuned to the
purchase indexes; this module serves every other list.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import F, Model, Q, QuerySet

M = TypeVar("M", bound=Model)

#: Rows counted at most for "共 N 条"; beyond it a page says "more than N".
COUNT_LIMIT = 10_000
#: Bigger integers cannot be a key value of any column (64-bit on every database).
_INT_LIMIT = 2**63
_KEY = "_keyset_{}"


@dataclass
class KeysetPage(Generic[M]):
    items: list[M]
    next_cursor: str | None = None
    prev_cursor: str | None = None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None

    def __iter__(self) -> Iterator[M]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def keyset_page(
    qs: QuerySet[M], *, order: Sequence[str], after: str = "", before: str = "", size: int
) -> KeysetPage[M]:
    """One page of ``qs`` in ``order`` (e.g. ``("-date", "-id")``): the first, the one after cursor
    ``after``, or the one before cursor ``before``.

    ``order`` must end with a unique key (the primary key) and name only columns that are never NULL,
    so that every row has exactly one place in the order. A cursor holds the boundary row's values of
    these columns in the page's address (and so in browser histories and proxy logs): order only by
    values the page itself shows, never by a secret.
    """
    keys = [(name.lstrip("-"), name.startswith("-")) for name in order]
    annotated = qs.annotate(**{_KEY.format(i): F(path) for i, (path, _desc) in enumerate(keys)})
    fields = [annotated.query.annotations[_KEY.format(i)].output_field for i in range(len(keys))]
    before_values = _decode(before, fields) if before else None
    after_values = _decode(after, fields) if after and before_values is None else None

    def ordered(flip: bool) -> QuerySet[M]:
        return annotated.order_by(
            *(f"{'-' if desc != flip else ''}{_KEY.format(i)}" for i, (_p, desc) in enumerate(keys))
        )

    def cursor(row: M) -> str:
        return _encode([getattr(row, _KEY.format(i)) for i in range(len(keys))])

    if before_values is not None:
        rows = list(ordered(True).filter(_beyond(keys, before_values, flip=True))[: size + 1])
        if rows:
            items = list(reversed(rows[:size]))
            return KeysetPage(items, cursor(items[-1]), cursor(items[0]) if len(rows) > size else None)
        # Nothing before the cursor: the first page.
    if after_values is not None:
        rows = list(ordered(False).filter(_beyond(keys, after_values, flip=False))[: size + 1])
        if rows:
            items = rows[:size]
            return KeysetPage(items, cursor(items[-1]) if len(rows) > size else None, cursor(items[0]))
        # Beyond the end (a cursor from a deleted row, or made up): the last page.
        rows = list(ordered(True)[: size + 1])
        items = list(reversed(rows[:size]))
        if items:
            return KeysetPage(items, None, cursor(items[0]) if len(rows) > size else None)
    rows = list(ordered(False)[: size + 1])
    items = rows[:size]
    return KeysetPage(items, cursor(items[-1]) if len(rows) > size else None, None)


def count_up_to(qs: QuerySet[Any], limit: int = COUNT_LIMIT) -> tuple[int, bool]:
    """(number of rows, exact?) — counted up to ``limit`` rows, never more."""
    counted = qs.order_by()[: limit + 1].count()
    return (limit, False) if counted > limit else (counted, True)


def _beyond(keys: Sequence[tuple[str, bool]], values: Sequence[Any], *, flip: bool) -> Q:
    """Rows after ``values`` in the order (before them when ``flip``): for keys k1, k2, … ``k1 > v1 OR
    (k1 = v1 AND k2 > v2) OR …`` with each comparison turned for a descending key, and the first key's
    range (``k1 >= v1``) in front so that an index on it serves the query."""
    condition = Q()
    equal = Q()
    for i, ((_path, desc), value) in enumerate(zip(keys, values, strict=True)):
        name = _KEY.format(i)
        lookup = "lt" if desc != flip else "gt"
        condition |= equal & Q(**{f"{name}__{lookup}": value})
        equal &= Q(**{name: value})
    first = f"{_KEY.format(0)}__{'lte' if keys[0][1] != flip else 'gte'}"
    return Q(**{first: values[0]}) & condition


def _encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for v in values]
    plain = [str(v) if isinstance(v, Decimal) else v for v in plain]
    text = json.dumps(plain, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str, fields: Sequence[Any]) -> list[Any] | None:
    """The cursor's values converted to the key columns' types; None when it is not a cursor of this
    order (then the first page is shown)."""
    if len(cursor) > 2000:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(raw, list) or len(raw) != len(fields):
        return None
    values = []
    for value, field in zip(raw, fields, strict=True):
        if value is None or isinstance(value, bool) or not isinstance(value, int | str):
            return None
        try:
            converted = field.to_python(value)
        except (ValidationError, TypeError, ValueError, OverflowError):
            return None
        if converted is None or (isinstance(converted, int) and not -_INT_LIMIT < converted < _INT_LIMIT):
            return None
        if isinstance(converted, dt.datetime) and converted.tzinfo is None:
            return None
        values.append(converted)
    return values
