"""Requests and responses the site refuses or marks, whatever view handles them.

NUL characters
--------------
PostgreSQL cannot store a NUL character (U+0000) in text, so a search for one ends in a database error
(a 500) wherever a parameter reaches a query unchecked; Django's form fields refuse it, raw parameters
and JSON bodies do not. A request with a NUL in its address, query string, form fields or JSON body is
refused here with one Chinese line (status 400). Uploaded files may contain any bytes and are not looked
at.

No caching
----------

Every page and download for a signed-in user (or an API token) shows data of the user's scope: a
shared office PC's browser cache, its back button after logging out, or a caching proxy on the
intranet must not keep it. So such responses get ``Cache-Control: no-store`` (with Django's
``add_never_cache_headers``: ``max-age=0, no-cache, no-store, must-revalidate, private`` and an
``Expires`` in the past), as does every download (``Content-Disposition: attachment``) whoever asks.

Left alone: responses a view explicitly declares ``public`` (the shipped Chinese font, which must stay
cacheable), and static files (WhiteNoise answers them before this middleware).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.cache import add_never_cache_headers

NUL_REFUSED = "请求中含有不允许的字符（NUL），请检查输入的内容。"


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if _has_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": NUL_REFUSED}, status=400, json_dumps_params={"ensure_ascii": False}
                )
            return HttpResponse(NUL_REFUSED, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    texts = [request.path]
    for key, values in request.GET.lists():
        texts += [key, *values]
    if request.content_type == "application/x-www-form-urlencoded":
        for key, values in request.POST.lists():
            texts += [key, *values]
    elif request.content_type == "application/json" and (
        b"\x00" in request.body or b"\\u0000" in request.body
    ):
        return True
    return any("\x00" in text for text in texts)


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if _declared_public(response):
            return response
        if _signed_in(request) or _is_download(response):
            add_never_cache_headers(response)
        return response


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)  # the session's user, or the API token's (set by its auth)
    return bool(user is not None and user.is_authenticated)


def _is_download(response: HttpResponseBase) -> bool:
    return response.get("Content-Disposition", "").lower().startswith("attachment")


def _declared_public(response: HttpResponseBase) -> bool:
    directives = {part.strip().split("=")[0].lower() for part in response.get("Cache-Control", "").split(",")}
    return "public" in directives and not _is_download(response)
