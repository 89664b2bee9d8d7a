"""Fixtures of the reminder tests (a plugin of the suite, see ``pytest_plugins`` in ``tests/conftest.py``):
a real SMTP server (aiosmtpd) and a group-robot endpoint (http.server in a thread) on 127.0.0.1,
started by the tests; the reminder season of the seed plan; the `bangfu remind` command registered."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.test import override_settings

from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.services import ledger_import
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.services import org_create
from bangfu.progress.services import base_value_set, reporting_calendar_set
from tests.ledger.builders import write_csv
from tests.support.world import buy, org

SHANGHAI = ZoneInfo("Asia/Shanghai")
WAN = 1_000_000  # 1万元 in fen
TODAY = dt.date(2022, 4, 3)  # the March period's window: 6 March – 5 April


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- SMTP -----------------------------------------------------------------------------------------


@dataclass
class Inbox:
    """aiosmtpd handler keeping every message it receives."""

    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    @property
    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(e.content, policy=default_policy) for e in self.envelopes]


@pytest.fixture
def smtp_server():
    """A local SMTP server, and Django's mail pointed at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_TIMEOUT=5,
            DEFAULT_FROM_EMAIL="慈溪市对口支援办 <bangfu@cixi.example>",
        ):
            yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_down():
    """Django's mail pointed at a port where nothing listens."""
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=free_port(),
        EMAIL_TIMEOUT=2,
    ):
        yield


# --- the group robot ------------------------------------------------------------------------------


@dataclass
class Call:
    path: str
    query: dict[str, list[str]]
    body: dict[str, Any]
    content_type: str


@dataclass
class Robot:
    """A DingTalk-style robot endpoint. ``script`` holds the next answers: ``(status, json_body)`` or
    ``"hang"`` (no answer until the test ends); once empty it answers ``{"errcode": 0}``."""

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    script: deque[Any] = field(default_factory=deque)
    release: threading.Event = field(default_factory=threading.Event)

    def robot_url(self, token: str = "tok-0123456789") -> str:
        return f"{self.url}/robot/send?access_token={token}"


@pytest.fixture
def robot(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    state = Robot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            parts = urlsplit(self.path)
            state.calls.append(
                Call(
                    parts.path,
                    parse_qs(parts.query),
                    json.loads(raw.decode("utf-8")),
                    self.headers["Content-Type"],
                )
            )
            answer = state.script.popleft() if state.script else (200, {"errcode": 0, "errmsg": "ok"})
            if answer == "hang":
                state.release.wait(10)
                return
            status, body = answer
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (timeout)
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


# --- the season -----------------------------------------------------------------------------------


@pytest.fixture
def season(plan, tmp_path):
    """By 3 April 2022 (the March period, due 5 April): 周巷镇 bought 100万 and reported in February and
    March — neither behind nor silent; 观海卫镇 bought 120万 but last reported in January — silent;
    横河镇 nothing — behind and silent; a union of 周巷镇 behind its ratio target. The calendar expects
    周巷镇, 观海卫镇, 横河镇 and 龙山镇（滨海区管委会）."""
    zhouxiang, guanhaiwei = org("周巷镇"), org("观海卫镇")
    rows = [
        ["采购单位", "日期", "金额", "产地", "订单号"],
        ["周巷镇", "2022-01-20", "600000", "布拖县", "A1"],
    ]
    with at(dt.date(2022, 2, 3)):
        ledger_import(path=write_csv(tmp_path / "周巷镇1月.csv", rows), org=zhouxiang)
    with at(dt.date(2022, 3, 10)):
        buy(zhouxiang, 40 * WAN, day=dt.date(2022, 3, 9), status=RecordStatus.SUBMITTED)
    with at(dt.date(2022, 1, 28)):
        buy(guanhaiwei, 120 * WAN, day=dt.date(2022, 1, 20))
    union = org_create(name="周巷镇总工会", kind=OrgKind.UNION, parent=zhouxiang)
    base_value_set(organisation=union, year=2022, holiday_gift_fen=100 * WAN, member_count=500)
    calendar = reporting_calendar_set(plan=plan, due_day=5)
    calendar.units.set([zhouxiang, guanhaiwei, org("横河镇"), org("龙山镇（滨海区管委会）")])
    return plan


@pytest.fixture
def remind_command(monkeypatch):
    """`bangfu remind` registered, whether or not cli.COMMAND_MODULES lists this app yet."""
    from bangfu import cli

    module = "bangfu.notifications.commands"
    if module not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, module))


def signature_ok(call: Call, secret: str) -> bool:
    """Whether the robot call carries DingTalk's signature of its timestamp with ``secret``."""
    import base64
    import hashlib
    import hmac

    timestamp = call.query["timestamp"][0]
    expected = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64decode(call.query["sign"][0]), expected)
