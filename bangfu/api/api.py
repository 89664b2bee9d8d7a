"""The JSON API (``/api/``): one NinjaAPI, a router per domain, the OpenAPI document at
``/api/openapi.json`` and its Swagger page at ``/api/docs`` (scripts and styles from django-ninja's own
static files, served by this site — nothing from the internet), both for signed-in users and API tokens
only."""

from __future__ import annotations

from ninja import NinjaAPI, Swagger
from ninja.renderers import JSONRenderer

from . import auth, imports, plans, progress, records
from .errors import install_handlers

DESCRIPTION = """\
bangfu 消费帮扶工作管理系统的数据接口。

**认证**：在请求头中提供 `Authorization: Bearer <令牌>`（令牌在登录网页后通过 `POST /api/tokens` 创建，
只显示一次），或使用已登录网页的会话（POST/DELETE 须带 `X-CSRFToken` 头）。

**范围**：每个账号只能看到本单位及其辖区的数据（管理员和领导可看到全部）；范围外的记录与不存在的记录
一样返回 404。领导账号只读。

**金额**：`amount_fen` 为整数（分），`amount_yuan` 为两位小数的文本（元），不使用浮点数。

**错误**：一律为 JSON，`detail` 为中文说明。
"""


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON with readable Chinese (no \\uXXXX escapes)."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="bangfu API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=auth.default_auth,
    renderer=ChineseJSONRenderer(),
    # Local assets only (ninja's static files); no "validator" badge fetched from swagger.io.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    # The document and its page describe the whole system: signed-in users and API tokens only.
    docs_decorator=auth.docs_for_signed_in,
)
install_handlers(api)

api.add_router("", records.router)
api.add_router("", imports.router)
api.add_router("", progress.router)
api.add_router("", plans.router)
api.add_router("", auth.router)
