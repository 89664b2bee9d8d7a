"""Responses that must not be kept by browsers or proxies.

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

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers


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
