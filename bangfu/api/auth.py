"""Who is calling: an API token (``Authorization: Bearer <token>``) or the web session.

- **Token**: looked up by its SHA-256 digest (the token itself is never stored), must not be revoked and
  its user must be active. ``last_used_at`` is written at most once a minute. A request that presents a
  bearer token that does not match is refused outright (401); it does not fall back to the session.
- **Session**: the signed-in web user. Unsafe methods (POST, DELETE …) must pass Django's CSRF check
  (``X-CSRFToken`` header), exactly as a form would; a failed check is a 403.

Either way ``request.user`` is the caller afterwards, so the domain apps' ``access.py`` functions scope
the data the same way for both. Tokens themselves are managed here too: ``POST /api/tokens`` and
``DELETE /api/tokens/{id}`` work with the session only, so a leaked token cannot mint new ones.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from bangfu.accounts.access import Scope, require_role, scope_for
from bangfu.accounts.clientip import client_ip
from bangfu.accounts.models import ApiToken
from bangfu.accounts.services import api_token_create

from .errors import ErrorOut

#: ``last_used_at`` is refreshed at most this often (one UPDATE a minute per token, not per request).
TOUCH_EVERY = dt.timedelta(minutes=1)
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class TokenAuth(HttpBearer):
    """``Authorization: Bearer bf_…``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        token = token.strip()
        record = (
            ApiToken.objects.select_related("user", "user__profile")
            .filter(digest=ApiToken.digest_of(token), revoked=False, user__is_active=True)
            .first()
            if token
            else None
        )
        if record is None:
            raise AuthenticationError(message="API令牌无效或已停用。")
        now = timezone.now()
        if record.last_used_at is None or now - record.last_used_at >= TOUCH_EVERY:
            ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
        user = record.user
        request.user = user
        request.api_token = record  # type: ignore[attr-defined]
        return user


class SessionAuth(APIKeyCookie):
    """The Django session, with Django's CSRF check on unsafe methods.

    Unlike django-ninja's ``django_auth``, an anonymous request is a 401 (not a CSRF 403), and the
    CSRF failure is reported in Chinese.
    """

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)  # ``csrf`` also tells the docs page to send the token

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        # (A refused bearer token never gets here: TokenAuth answers 401 itself. Another scheme —
        # e.g. Basic from a proxy in front of the site — leaves the session in charge.)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method in UNSAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, "CSRF校验失败：请在 X-CSRFToken 头中提供页面的 CSRF 令牌，或改用 API 令牌。")
        return user


token_auth = TokenAuth()
session_auth = SessionAuth()
#: The API's default: a token, else the session.
default_auth = [token_auth, session_auth]


def docs_for_signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OpenAPI document and its Swagger page for signed-in users (the session) and valid API tokens
    only: they map every endpoint, parameter and field of the system. Anyone else: the page sends a
    browser to the login page; the document answers 401 in JSON."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return view(request, *args, **kwargs)
        try:
            bearer = token_auth(request)  # the user, or None without a bearer token
        except AuthenticationError:  # a token that does not match
            bearer = None
        if bearer is not None:
            return view(request, *args, **kwargs)
        if request.path.endswith(".json"):
            return JsonResponse(
                {"detail": "请先登录网页，或在 Authorization 头中提供 API 令牌。"},
                status=401,
                json_dumps_params={"ensure_ascii": False},
            )
        return redirect_to_login(request.get_full_path())

    return wrapper


def require(request: HttpRequest, *, write: bool = False, review: bool = False) -> Scope:
    """The caller's scope; 403 when their account has no role or their role may not do this."""
    if scope_for(request.user).role is None:
        raise HttpError(403, "当前账号未分配角色，不能使用接口。")
    return require_role(request, write=write, review=review)


@contextlib.contextmanager
def audited(request: HttpRequest) -> Iterator[None]:
    """Writes made with a token are recorded in the audit trail under the token's user (the audit
    middleware only knows the session's user)."""
    if getattr(request, "api_token", None) is None:
        yield
        return
    from auditlog.context import set_actor

    with set_actor(request.user, remote_addr=client_ip(request)):
        yield


# --- token management ---------------------------------------------------------------------------

router = Router(tags=["令牌"], auth=[session_auth])


class TokenCreateIn(Schema):
    name: str = Field(..., min_length=1, max_length=100, description="用途，如“财务系统同步”")


class TokenCreatedOut(Schema):
    id: int
    name: str
    prefix: str
    token: str = Field(..., description="令牌原文，只显示这一次；服务器只保存其摘要")
    created_at: dt.datetime


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked: bool


@router.get("/tokens", response={200: list[TokenOut], 401: ErrorOut, 403: ErrorOut}, summary="我的API令牌")
def token_list(request: HttpRequest) -> Any:
    """The caller's own tokens (never the token text)."""
    require(request)
    owner: Any = request.user
    return ApiToken.objects.filter(user=owner).order_by("-created_at")


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="创建API令牌",
)
def token_create(request: HttpRequest, payload: TokenCreateIn) -> Any:
    """Create a token for the signed-in user. Session (and CSRF) only; the token is returned once."""
    require(request)
    name = payload.name.strip()
    if not name:
        raise HttpError(422, "请填写令牌用途。")
    token, record = api_token_create(user=request.user, name=name)
    return Status(
        201,
        {
            "id": record.pk,
            "name": record.name,
            "prefix": record.prefix,
            "token": token,
            "created_at": record.created_at,
        },
    )


@router.delete(
    "/tokens/{int:token_id}",
    response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="停用API令牌",
)
def token_revoke(request: HttpRequest, token_id: int) -> Any:
    """Revoke one of the caller's own tokens; someone else's token is "not found"."""
    require(request)
    owner: Any = request.user
    # accounts has no revoke service yet; this one-field update is the whole of it.
    updated = ApiToken.objects.filter(pk=token_id, user=owner, revoked=False).update(revoked=True)
    if not updated and not ApiToken.objects.filter(pk=token_id, user=owner).exists():
        raise Http404("令牌不存在。")
    return Status(204, None)
