from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from bangfu.accounts.access import scope_for

from .navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu and the user's scope for every page."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    scope = scope_for(request.user)
    return {"scope": scope, "menu": menu_for(scope, request.path)}
