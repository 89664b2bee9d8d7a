"""The paging parameters of the web pages, read in one place.

- Lists that grow with the data (records, activities, reminders, batches, published runs, base values)
  are keyset pages (``?after=`` / ``?before=`` cursors, :mod:`bangfu.common.paging`; the ledger's own
  purchase pages in ``ledger.selectors``): any cursor a client makes up costs one bounded query.
- Lists computed in memory from the units of a plan (the reminders and calendar tables, a few thousand
  rows at most, already built whole for their figures) are cut into numbered pages by Django's
  paginator: a page number that is not a number shows the first page, one out of range the last — no
  database work either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from bangfu.common.paging import KeysetPage, keyset_page

M = TypeVar("M", bound=Model)

#: Parameters that choose a page; links to other pages of the same list are built without them.
PAGE_PARAMS = ("page", "after", "before")


def query_without(request: HttpRequest, *names: str) -> str:
    """The request's query string without ``names`` (to append a page's own parameters to)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def list_query(request: HttpRequest) -> str:
    """The query string of the list shown (its filters), without the page chosen."""
    return query_without(request, *PAGE_PARAMS)


def keyset_page_for(
    request: HttpRequest, qs: QuerySet[M], *, order: Sequence[str], size: int
) -> KeysetPage[M]:
    """The page of ``qs`` that ``?after=`` / ``?before=`` ask for (the first page without them)."""
    return keyset_page(
        qs, order=order, after=request.GET.get("after", ""), before=request.GET.get("before", ""), size=size
    )


def numbered_page(request: HttpRequest, items: Sequence[Any], size: int, *, param: str = "page") -> Page[Any]:
    """A numbered page of a list already in memory (see the module's note)."""
    return Paginator(items, size).get_page(request.GET.get(param))
