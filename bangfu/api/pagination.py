"""Keyset ("seek") pagination: a page continues *after the last row seen*, never at an OFFSET.

A page costs the same whether it is the first or the 20,000th of a million rows: the database seeks in
the ordering index to the cursor's position and reads ``limit + 1`` rows. The cursor is opaque to
clients — base64 of the last row's key — and is checked when read back.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

from django.http import HttpRequest
from ninja.errors import HttpError

from bangfu.common.numbers import parse_id

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
_BAD_CURSOR = "分页游标 cursor 无效：请使用上一页返回的 next_cursor。"


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"id:{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, pk = text.split(":")
        number = parse_id(pk)
        if prefix != "id" or number is None:
            raise ValueError(text)
        return number
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise HttpError(422, _BAD_CURSOR) from None


def next_url(request: HttpRequest, cursor: str) -> str:
    """The request's own address and filters, continued at ``cursor``."""
    params = [(k, v) for k, values in request.GET.lists() if k != "cursor" for v in values]
    params.append(("cursor", cursor))
    return f"{request.path}?{urlencode(params)}"
