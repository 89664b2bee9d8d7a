"""Error pages in Chinese, inside the site's layout, with a way back (400, 403, 404, 500, CSRF failure).

The JSON API answers its errors itself; an unknown address under ``/api/`` is answered in JSON here too.
A message of our own (a Chinese ``PermissionDenied`` or ``Http404`` reason) is shown; a library's
English one never is.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

_CJK = re.compile(r"[\u4e00-\u9fff]")

TITLES = {
    400: "请求有误",
    403: "没有权限",
    404: "页面不存在",
    500: "系统出错",
}


def _reason(exception: Any) -> str:
    text = str(exception or "").strip()
    if text.startswith(("{", "[")):
        return ""
    return text if _CJK.search(text) and len(text) < 300 else ""


def _page(request: HttpRequest, status: int, *, reason: str = "", hint: str = "") -> HttpResponse:
    title = _(TITLES[status])
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": reason or title}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    referer = request.META.get("HTTP_REFERER", "")
    back = referer if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}) else ""
    context = {"status": status, "title": title, "reason": reason, "hint": hint, "back": back}
    return render(request, "web/errors/error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(request, 400, reason=_reason(exception), hint=_("请检查地址或重新提交表单。"))


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(
        request,
        403,
        reason=_reason(exception),
        hint=_("您的账号不能进行这项操作，或这项内容不在本单位的数据范围内。"),
    )


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(
        request,
        404,
        reason=_reason(exception),
        hint=_("地址可能有误，或内容已被删除，或不在本单位的数据范围内。"),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """The layout without anything that needs the database (which may be what failed)."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": _("系统出错，请稍后再试。")}, status=500, json_dumps_params={"ensure_ascii": False}
        )
    html = loader.get_template("web/errors/500.html").render({"title": _(TITLES[500])})
    return HttpResponse(html, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(
        request,
        403,
        reason=_("页面已过期（安全校验未通过），请返回上一页刷新后重新提交。"),
        hint=_("如果停留在页面上很久、在别的窗口退出后又登录过，或浏览器禁用了 Cookie，都会出现这种情况。"),
    )
