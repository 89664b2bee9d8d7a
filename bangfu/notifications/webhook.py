"""Group robots (群机器人) of DingTalk and 浙政钉: the signed address, the text message and its answer.

Plain Python (``requests``, no Django): the notification service passes the address, the secret and the
text. The protocol is DingTalk's custom robot ("自定义机器人"), which 浙政钉 (Zhejiang's government
DingTalk) follows:

- POST ``{"msgtype": "text", "text": {"content": ...}}`` as JSON;
- with a signing secret (加签), append ``timestamp`` (milliseconds) and
  ``sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))`` to the address;
- the answer is JSON ``{"errcode": 0, "errmsg": "ok"}``; a non-zero ``errcode`` is a refusal (wrong
  signature, keyword missing, too many messages …) even with HTTP 200.

The address carries the robot's ``access_token``: :func:`mask_url` hides it wherever an address or an
error message is shown or stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit, urlunsplit

import requests


class WebhookError(Exception):
    """A delivery the robot did not accept; the message is for the delivery log (no token in it)."""


def sign(secret: str, timestamp_ms: int) -> str:
    """The signature before URL-encoding: base64(HMAC-SHA256(secret, "timestamp\\nsecret"))."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """``url`` with ``timestamp`` and the URL-encoded ``sign`` appended as query parameters."""
    joiner = "&" if urlsplit(url).query else ("" if url.endswith("?") else "?")
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={quote_plus(sign(secret, timestamp_ms))}"


def text_message(content: str) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": content}}


def mask_url(url: str) -> str:
    """The address with every query value cut to its first 4 characters: ``…/send?access_token=1a2b…``."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = "&".join(
        f"{quote(key)}={quote(value[:4])}…" if len(value) > 4 else f"{quote(key)}={quote(value)}"
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit(parts._replace(query=query))


_QUERY = re.compile(r"\?[^\s'\")]*")


def _clean(text: str) -> str:
    """An exception's text without the query strings it may quote (they carry the token)."""
    return _QUERY.sub("?…", text)[:500]


def webhook_post(
    url: str,
    *,
    content: str,
    secret: str = "",
    timestamp_ms: int,
    timeout: float,
    session: requests.Session | None = None,
) -> None:
    """Post ``content`` to the robot at ``url`` (signed when ``secret`` is given); raise
    :class:`WebhookError` unless the robot accepted it."""
    target = signed_url(url, secret, timestamp_ms) if secret else url
    body = json.dumps(text_message(content), ensure_ascii=False).encode("utf-8")
    poster = session or requests
    try:
        response = poster.post(
            target,
            data=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
            timeout=timeout,
        )
    except requests.Timeout:
        raise WebhookError(f"群机器人无应答（超时 {timeout:g} 秒）") from None
    except requests.RequestException as exc:
        raise WebhookError(f"无法连接群机器人：{_clean(str(exc))}") from None
    if not 200 <= response.status_code < 300:
        raise WebhookError(f"群机器人返回 HTTP {response.status_code}：{_clean(response.text[:200])}")
    try:
        answer = response.json()
    except ValueError:
        return  # a 2xx without JSON: an endpoint that does not speak DingTalk's answer format
    if isinstance(answer, dict) and str(answer.get("errcode", 0)) not in ("0", ""):
        raise WebhookError(
            f"群机器人拒收：errcode={answer.get('errcode')} {_clean(str(answer.get('errmsg', '')))}"
        )
