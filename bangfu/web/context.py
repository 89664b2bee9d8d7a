from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from bangfu.accounts.access import scope_for

from .inbox import inbox_count
from .navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu and the user's scope for every page."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    scope = scope_for(request.user)
    user = request.user

    # Read only when a full page draws the menu (htmx fragments do not): two bounded counts.
    # A page that read the inbox already (the home page) leaves its figures on the request.
    def menu_count() -> Any:
        inbox = getattr(request, "inbox", None)
        return (inbox.menu_count if inbox is not None else inbox_count(user)) or ""

    count = SimpleLazyObject(menu_count)
    return {"scope": scope, "menu": menu_for(scope, request.path, counts={"inbox:index": count})}
