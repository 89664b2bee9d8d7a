"""Reminders: exactly the lagging units and the units silent in the current period, each with a notice
ready to send; for the office and lead reviewers only, within their scope; the notice text itself."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from bangfu.notifications.notices import (
    NoticeLine,
    behind_notice,
    chinese_number,
    line_sentence,
    silent_notice,
)
from bangfu.orgs.selectors import org_subtree_ids
from bangfu.progress.selectors import progress_compute
from tests.support.notifications import TODAY, WAN, at
from tests.support.world import org

pytestmark = pytest.mark.django_db

URL = reverse("progress:reminders")


def reminders(client, query: str = ""):
    with at(TODAY):
        return client.get(f"{URL}?{query}")


@pytest.mark.parametrize(("role", "unit"), [("reporter", "周巷镇"), ("leader", None)])
def test_reporters_and_leaders_may_not_send_reminders(login, season, role, unit):
    assert reminders(login(role, unit)).status_code == 403


def test_the_office_sees_exactly_the_lagging_and_the_silent_units(
    login, season, django_assert_max_num_queries
):
    client = login("coordinator")
    with django_assert_max_num_queries(60):
        response = reminders(client)
    assert response.status_code == 200
    found = response.context["found"]
    assert found.as_of == TODAY and found.period.month == 3 and found.report_by == dt.date(2022, 4, 5)
    report = progress_compute(season, as_of=TODAY)
    behind = {
        o.name for line in report.lines if line.result.status in ("lagging", "severe") for o in line.orgs
    }
    assert {r.unit.name for r in found.behind} == behind
    assert {"周巷镇总工会", "横河镇"} <= behind and "观海卫镇" not in behind and "周巷镇" not in behind
    # Silent: expected to report, nothing since the window opened on 6 March (观海卫镇 last reported in January).
    assert {r.unit.name for r in found.silent} == {"横河镇", "龙山镇（滨海区管委会）", "观海卫镇"}
    silent = {r.unit.name: r for r in found.silent}
    assert silent["观海卫镇"].last_day == dt.date(2022, 1, 28) and silent["横河镇"].last_day is None
    html = response.content.decode()
    assert 'data-copy="behind-notice-' in html and "复制通知" in html


def test_the_page_writes_the_notices_of_the_units_it_shows_only(login, season, monkeypatch):
    """A city has thousands of units due a reminder; each notice is written when a page shows it."""
    from bangfu.notifications import reminders as reminders_module
    from bangfu.web.views import progress as progress_views

    written: list[str] = []
    real = reminders_module.notice_line
    monkeypatch.setattr(
        reminders_module, "notice_line", lambda line: written.append(line.item_code) or real(line)
    )
    monkeypatch.setattr(progress_views, "REMINDERS_PAGE", 1)
    response = reminders(login("coordinator"))
    found = response.context["found"]
    assert len(found.behind) > 1 and len(found.silent) > 1
    shown = [response.context["behind"].object_list[0], response.context["silent"].object_list[0]]
    assert len(written) == sum(len(r.lines) for r in shown)  # the two notices shown, no other
    assert all(r.notice.text in response.content.decode() for r in shown)


def test_a_notice_says_what_an_office_would(login, season):
    found = reminders(login("coordinator")).context["found"]
    hengche = next(r for r in found.behind if r.unit.name == "横河镇")
    text = hengche.notice.text
    assert text.startswith("关于横河镇消费帮扶工作进度滞后的提醒")
    assert "\n横河镇：\n" in text  # 称谓
    assert "截至2022年4月3日" in text and "目标250.00万元" in text and "已完成0.00万元" in text
    assert "时序进度25.5%" in text  # 93 of 365 days
    assert "差额" in text and "请你单位高度重视" in text and "于2022年4月5日前报送" in text
    assert text.rstrip().endswith("2022年4月3日") and "慈溪市对口支援办" in text
    quiet = next(r for r in found.silent if r.unit.name == "龙山镇（滨海区管委会）").notice.text
    assert "自2022年3月6日以来未报送3月份" in quiet and "请于2022年4月5日前" in quiet


def test_a_lead_reviewer_reminds_the_units_of_its_items(login, season):
    found = reminders(login("lead", "市总工会")).context["found"]
    assert {r.unit.name for r in found.behind} == {"周巷镇总工会"}
    union = found.behind[0]
    assert union.notice.body.rstrip().endswith("2022年4月3日") and "慈溪市总工会" in union.notice.body
    assert "法定节假日慰问品" in union.notice.body  # the ratio's base is named
    assert found.silent == []  # none of the calendar's towns is in its scope


def test_filters_by_town_and_by_lead(login, season):
    client = login("coordinator")
    town = reminders(client, f"town={org('周巷镇').pk}").context["found"]
    jurisdiction = org_subtree_ids(org("周巷镇").pk)
    assert {r.unit.name for r in town.behind} == {"周巷镇总工会"}
    assert all(r.unit.pk in jurisdiction for r in town.behind + town.silent)
    led = reminders(client, f"lead={org('市总工会').pk}").context["found"]
    assert {r.unit.name for r in led.behind} == {"周巷镇总工会"} and led.silent == []
    fragment = client.get(f"{URL}?town={org('横河镇').pk}", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "横河镇" in fragment


# --- the notice text (pure) --------------------------------------------------------------------------


def test_chinese_list_numbers():
    assert [chinese_number(n) for n in (1, 2, 9, 10, 11, 20, 35, 99)] == [
        "一",
        "二",
        "九",
        "十",
        "十一",
        "二十",
        "三十五",
        "九十九",
    ]
    assert chinese_number(100) == "100"


LINE = NoticeLine(
    item_code="2.2",
    item_text="采购对口地区农特产品300万元。",
    target_text="300.00万元",
    achieved_text="90.00万元",
    rate=Decimal("0.3"),
    expected=Decimal("0.5"),
    status_label="严重滞后",
    achieved_fen=90 * WAN,
    required_fen=300 * WAN,
    shortfall_fen=210 * WAN,
)


def test_a_line_in_words():
    assert line_sentence(LINE) == (
        "事项2.2“采购对口地区农特产品300万元”，目标300.00万元，已完成90.00万元，完成率30%，时序进度50%，"
        "按时序进度应完成150.00万元，落后时序进度60.00万元，差额210.00万元，进度严重滞后。"
    )
    unknown = NoticeLine("1.1", "各基层工会…", "20%", "—", None, Decimal("0.5"), "基数未填报")
    assert line_sentence(unknown) == "事项1.1“各基层工会…”，目标20%，已完成—，时序进度50%，基数未填报。"


def test_notices_with_several_lines_are_numbered():
    notice = behind_notice(
        unit="横河镇",
        plan_title="2022年慈溪市消费帮扶工作任务分解表",
        as_of=dt.date(2022, 6, 30),
        lines=[LINE, LINE],
        report_by=dt.date(2022, 7, 5),
        sender="慈溪市对口支援办",
        issued=dt.date(2022, 7, 1),
    )
    assert "    一、事项2.2" in notice.body and "    二、事项2.2" in notice.body
    assert notice.subject == "关于横河镇消费帮扶工作进度滞后的提醒"
    quiet = silent_notice(
        unit="横河镇",
        plan_title="T",
        as_of=dt.date(2022, 6, 30),
        since=dt.date(2022, 6, 6),
        period_label="6月份",
        report_by=dt.date(2022, 7, 5),
        lines=[],
        sender="S",
        issued=dt.date(2022, 7, 1),
    )
    assert "目前完成情况" not in quiet.body and "如本期确无采购，请一并说明" in quiet.body
