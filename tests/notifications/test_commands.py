"""`bangfu remind` as the scheduler and the office run it: output, exit codes, one-line Chinese errors."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from bangfu.cli import main
from bangfu.notifications.choices import DeliveryStatus
from bangfu.notifications.models import Reminder, UnitContact
from tests.support.notifications import SHANGHAI
from tests.support.world import org

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("remind_command")]


def run(capsys, *argv: str, day: dt.date = dt.date(2022, 4, 3), hour: int = 9, minute: int = 0):
    moment = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=True):
        code = main(["remind", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def contacts(season, make_user):
    user = make_user("reporter", "横河镇")
    user.email = "henghe@cixi.example"
    user.save(update_fields=["email"])
    UnitContact.objects.create(unit=org("观海卫镇"), emails="ghw@cixi.example")
    return season


def rows(out: str) -> list[list[str]]:
    lines = out.split("\n\n", 1)[1].strip().splitlines() if "\n\n" in out else []
    return [line.split("\t") for line in lines]


def test_a_dry_run_shows_what_would_be_prepared_and_saves_nothing(capsys, contacts):
    code, out, err = run(capsys, "--dry-run", "--send")
    assert code == 0, err
    lines = out.splitlines()
    assert (
        lines[0]
        == "催报提醒（演练：不保存、不发送）：2022年3月报送期（2022年3月6日至2022年4月5日），截至2022年4月3日"
    )
    assert lines[1].startswith("需提醒 18 个单位：进度滞后 17 个，本期未报送 3 个（其中 2 个两者兼有）。")
    assert "将生成提醒 2 条；本期此前已生成 0 条" in out and "演练：将发送 2 条" in out
    assert "以下 16 个单位没有电子邮箱或群机器人" in out and "匡堰镇" in out
    table = rows(out)
    assert table[0] == ["单位", "原因", "渠道", "接收方", "状态", "次数", "说明"]
    assert table[1:] == [
        ["横河镇", "未报送且进度滞后", "电子邮件", "henghe@cixi.example", "待发送", "0", "演练，未保存"],
        ["观海卫镇", "未报送", "电子邮件", "ghw@cixi.example", "待发送", "0", "演练，未保存"],
    ]
    assert Reminder.objects.count() == 0


def test_prepare_and_send_then_nothing_twice(capsys, contacts, smtp_server):
    code, out, err = run(capsys, "--send")
    assert code == 0 and err == ""
    assert "新生成提醒 2 条；本期此前已生成 0 条" in out
    assert "发送：成功 2 条，待重试 0 条，失败 0 条（已放弃）。" in out
    assert {tuple(r[:5]) for r in rows(out)[1:]} == {
        ("横河镇", "未报送且进度滞后", "电子邮件", "henghe@cixi.example", "已发送"),
        ("观海卫镇", "未报送", "电子邮件", "ghw@cixi.example", "已发送"),
    }
    code, out, err = run(capsys, "--send", hour=10)
    assert code == 0 and "新生成提醒 0 条；本期此前已生成 2 条（不重复生成）" in out
    assert "发送：成功 0 条" in out and len(smtp_server.envelopes) == 2


def test_failed_deliveries_exit_0_say_so_and_are_retried(capsys, contacts, smtp_down):
    code, out, err = run(capsys, "--send")
    assert code == 0
    assert "发送：成功 0 条，待重试 2 条，失败 0 条（已放弃）。" in out
    # Before the hint, the log (on stderr at the default LOG_LEVEL) names each failure.
    *logged, hint = err.strip().splitlines()
    assert hint == "提示：有 2 条提醒发送失败，原因见“说明”列，待重试的将由 bangfu remind --retry 自动重发。"
    assert all("催报提醒发送失败（第1次，04-03 09:15重试）" in line for line in logged)
    table = rows(out)
    assert {r[4] for r in table[1:]} == {"待重试"} and all("（04-03 09:15 重试）" in r[6] for r in table[1:])
    code, out, _ = run(capsys, "--retry", minute=10)
    assert code == 0 and out.strip() == "没有到期待发送的提醒。"


def test_retry_delivers_what_is_due(capsys, contacts, smtp_server):
    run(capsys)  # prepare only
    assert set(Reminder.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    code, out, _ = run(capsys, "--retry", "--dry-run")
    assert (
        code == 0 and out.startswith("演练：到期待发送的提醒 2 条（未发送）。") and not smtp_server.envelopes
    )
    code, out, err = run(capsys, "--retry", minute=15)
    assert code == 0 and err == ""
    assert out.startswith("发送：成功 2 条，待重试 0 条，失败 0 条（已放弃）。")
    assert rows("\n\n" + out.split("\n", 1)[1])[0][0] == "报送期"
    assert len(smtp_server.envelopes) == 2


def test_a_closed_period_is_reminded_as_of_its_due_date(capsys, contacts):
    code, out, err = run(capsys, "--period", "2022-02", "--dry-run", day=dt.date(2022, 6, 1))
    assert code == 0, err
    assert out.startswith(
        "催报提醒（演练：不保存、不发送）：2022年2月报送期（2022年2月6日至2022年3月5日），截至2022年3月5日"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--period", "2022-13"], "错误：报送期格式应为 YYYY-MM（如 2022-10）：2022-13"),
        (["--as-of", "2022-04-31"], "错误：日期格式应为 YYYY-MM-DD：2022-04-31"),
        (
            ["--period", "2022-04", "--as-of", "2022-04-03"],
            "错误：截至日期 2022-04-03 不在2022年4月的报送期（2022年4月6日至2022年5月5日）内。",
        ),
        (["--period", "2022-04"], "错误：2022年4月的报送期（2022年4月6日至2022年5月5日）尚未开始。"),
        (["--year", "2030"], "错误：没有2030年的任务分解表，请先用 bangfu plan import 导入。"),
        (["--period", "2021-12"], "错误：没有2021年的任务分解表，请先用 bangfu plan import 导入。"),
        (["--year", "2022", "--period", "2023-01"], "错误：报送期 2023-01 不属于2022年的任务分解表。"),
        (
            ["--retry", "--period", "2022-03"],
            "错误：--retry 只发送已生成的到期提醒，不能与 --year、--as-of、--period 同用。",
        ),
    ],
)
def test_user_errors_exit_2_with_one_chinese_line(capsys, season, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [message]
    assert Reminder.objects.count() == 0


def test_without_a_plan(capsys, db):
    code, out, err = run(capsys)
    assert (code, out, err.strip()) == (2, "", "错误：尚未导入任务分解表。")
