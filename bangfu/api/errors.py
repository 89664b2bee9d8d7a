"""Every error of the API is JSON with a Chinese ``detail`` (and, for bad input, the ``errors`` list).

400 a body that cannot be parsed · 401 not signed in or a bad token · 403 the role may not do this, or a failed CSRF check · 404 not found or
outside the user's scope (the two are indistinguishable) · 409 a duplicate · 413/415 upload limits ·
422 bad input · 500 a server fault (logged; no traceback leaves the server).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger(__name__)

NOT_AUTHENTICATED = "未登录或令牌无效：请登录，或在 Authorization 头中提供 “Bearer <令牌>”。"
NOT_FOUND = "资源不存在或不在本单位范围内。"

#: Chinese for the English messages django-ninja raises itself.
_HTTP_MESSAGES = {
    400: "无法解析请求体：请发送有效的 JSON（或 multipart/form-data 上传文件）。",
    401: NOT_AUTHENTICATED,
    403: "当前账号无此权限。",
    404: NOT_FOUND,
    405: "不支持该请求方法。",
    429: "请求过于频繁，请稍后再试。",
}

#: Pydantic error types → what to tell the person who sent the request.
_VALIDATION_MESSAGES = {
    "missing": "必填",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "string_type": '应为字符串（金额请用带引号的文本，如 "1280.50"）',
    "string_too_long": "内容过长",
    "string_too_short": "不能为空",
    "string_pattern_mismatch": "格式不正确",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "请求体应为 JSON 对象",
}


class ErrorOut(Schema):
    """The body of every error response."""

    detail: str


class ValidationErrorOut(Schema):
    """A 422: ``detail`` for people, ``errors`` (pydantic's list) for programs."""

    detail: str
    errors: list[dict[str, Any]] = []


#: For the ``response=`` of operations: the errors every authenticated endpoint may answer.
COMMON_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}


_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}


def _field(loc: Any) -> str:
    """("body", "payload", "amount_yuan") → "amount_yuan"; ("file", "file") → "file"."""
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in _SOURCES:
        parts = parts[1:]
        if len(parts) > 1 and loc[0] == "body":
            parts = parts[1:]  # the operation's body parameter ("payload")
    return ".".join(parts) or "请求"


def validation_detail(errors: list[dict[str, Any]]) -> str:
    described = []
    for error in errors[:5]:
        message = _VALIDATION_MESSAGES.get(error.get("type", ""))
        if message is None:
            text = str(error.get("msg", ""))
            message = text.removeprefix("Value error, ") if text.startswith("Value error, ") else "无效"
        described.append(f"{_field(error.get('loc', ()))}：{message}")
    more = f"等{len(errors)}处" if len(errors) > 5 else ""
    return "请求参数有误：" + "；".join(described) + more + "。"


def _json_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pydantic's errors without the parts that do not serialise (exception objects in ``ctx``)."""
    cleaned = []
    for error in errors:
        item = {k: v for k, v in error.items() if k in ("type", "loc", "msg")}
        item["loc"] = [str(p) if not isinstance(p, int) else p for p in error.get("loc", ())]
        cleaned.append(item)
    return cleaned


def install_handlers(api: NinjaAPI) -> None:
    # (ninja types a handler's ``exc`` as "the class or an instance"; it always passes an instance)
    def respond(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
        return api.create_response(request, {"detail": detail, **extra}, status=status)

    def on_authentication(request: HttpRequest, exc: Any) -> HttpResponse:
        message = exc.message if exc.message != "Unauthorized" else NOT_AUTHENTICATED
        response = respond(request, 401, message)
        response["WWW-Authenticate"] = 'Bearer realm="bangfu"'
        return response

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        message = exc.message
        if not any("\u4e00" <= ch <= "\u9fff" for ch in message):
            message = _HTTP_MESSAGES.get(exc.status_code, f"请求失败（{exc.status_code}）。")
        return respond(request, exc.status_code, message)

    def on_permission_denied(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 403, str(exc) or _HTTP_MESSAGES[403])

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        message = str(exc)
        # Django's own 404s are English ("No … matches the given query."); ours are Chinese.
        if not any("\u4e00" <= ch <= "\u9fff" for ch in message):
            message = NOT_FOUND
        return respond(request, 404, message)

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 422, validation_detail(exc.errors), errors=_json_errors(exc.errors))

    def on_django_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 422, "；".join(exc.messages) or "数据校验未通过。")

    def on_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if settings.DEBUG:
            raise exc
        logger.exception("API error on %s %s", request.method, request.path)
        return respond(request, 500, "服务器内部错误，请联系管理员。")

    api.add_exception_handler(Exception, on_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(NinjaValidationError, on_validation)
    api.add_exception_handler(DjangoValidationError, on_django_validation)


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Unknown addresses under /api/ answer JSON too, not the site's HTML 404 page."""
    from django.http import JsonResponse

    return JsonResponse({"detail": "接口不存在。"}, status=404, json_dumps_params={"ensure_ascii": False})
