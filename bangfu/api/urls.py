from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path, re_path

from .api import api
from .errors import not_found_view


def _json_method_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """django-ninja answers a wrong method with a plain-text 405; ours is JSON like every other error."""

    @functools.wraps(view)  # keeps ninja's csrf_exempt flag
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = ", ".join(sorted(m.strip() for m in response.get("Allow", "").split(",") if m.strip()))
            answer = JsonResponse(
                {"detail": f"该接口不支持 {request.method} 请求；可用的方法：{allowed}。"},
                status=405,
                json_dumps_params={"ensure_ascii": False},
            )
            answer["Allow"] = allowed
            return answer
        return response

    return wrapper


_patterns, _app, _namespace = api.urls  # (not named app_name: this module is include()d)
for _pattern in _patterns:
    if isinstance(_pattern, URLPattern):
        _pattern.callback = _json_method_not_allowed(_pattern.callback)

urlpatterns = [
    path("", (_patterns, _app, _namespace)),
    # Anything else under /api/ is a JSON 404, not the site's HTML page.
    re_path(r"^.*$", not_found_view),
]
