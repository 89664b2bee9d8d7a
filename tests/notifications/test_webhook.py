"""The group-robot protocol on its own: signature, signed address, masking, and the robot's answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import pytest

from bangfu.notifications.webhook import WebhookError, mask_url, sign, signed_url, text_message, webhook_post
from tests.support.notifications import free_port, signature_ok


def test_the_signature_is_dingtalks():
    secret, timestamp = "SEC7a1b2c3d", 1_667_264_400_000
    expected = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    assert base64.b64decode(sign(secret, timestamp)) == expected


def test_the_signed_address_keeps_the_token_and_url_encodes_the_sign():
    secret, timestamp = "SEC+/=", 1_667_264_400_000
    url = signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc", secret, timestamp)
    assert url.startswith(
        "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1667264400000&sign="
    )
    raw_sign = url.rsplit("sign=", 1)[1]
    assert "+" not in raw_sign and "/" not in raw_sign and "=" not in raw_sign  # URL-encoded
    query = parse_qs(urlsplit(url).query)
    assert query["sign"] == [sign(secret, timestamp)] and query["access_token"] == ["abc"]
    assert signed_url("http://gw/robot", "s", 1).startswith("http://gw/robot?timestamp=1&sign=")


def test_masking_hides_query_values():
    assert mask_url("https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef") == (
        "https://oapi.dingtalk.com/robot/send?access_token=0123…"
    )
    assert mask_url("http://gw/robot?k=ab&t=") == "http://gw/robot?k=ab&t="
    assert mask_url("http://gw/robot") == "http://gw/robot"


def test_a_text_message():
    assert text_message("你好") == {"msgtype": "text", "text": {"content": "你好"}}


def post(url: str, **kwargs):
    kwargs.setdefault("timestamp_ms", 1_667_264_400_000)
    kwargs.setdefault("timeout", 2)
    webhook_post(url, content="关于横河镇的提醒\n\n正文", **kwargs)


def test_an_accepted_post(robot):
    post(robot.robot_url(), secret="SECx")
    (call,) = robot.calls
    assert call.body == {"msgtype": "text", "text": {"content": "关于横河镇的提醒\n\n正文"}}
    assert signature_ok(call, "SECx") and call.query["timestamp"] == ["1667264400000"]
    post(robot.robot_url())  # no secret: not signed
    assert "sign" not in robot.calls[1].query


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((500, {"error": "busy"}), "HTTP 500"),
        ((404, {}), "HTTP 404"),
        ((200, {"errcode": 310000, "errmsg": "sign not match"}), "errcode=310000 sign not match"),
        ((200, {"errcode": "130101", "errmsg": "send too fast"}), "errcode=130101"),
    ],
)
def test_refusals(robot, answer, message):
    robot.script.append(answer)
    with pytest.raises(WebhookError, match=message):
        post(robot.robot_url())


def test_an_answer_other_than_dingtalks_object_is_accepted(robot):
    robot.script.append((200, "ok"))  # an endpoint that does not answer {"errcode": …}
    post(robot.robot_url())


def test_timeout_and_refused_connection_name_no_token(robot):
    robot.script.append("hang")
    with pytest.raises(WebhookError, match=r"超时 0\.3 秒") as timeout:
        post(robot.robot_url("secret-token"), timeout=0.3)
    with pytest.raises(WebhookError, match="无法连接群机器人") as refused:
        post(f"http://127.0.0.1:{free_port()}/robot/send?access_token=secret-token")
    assert "secret-token" not in str(timeout.value) + str(refused.value)
