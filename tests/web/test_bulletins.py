"""The bulletin page: the office and the leadership download the Word and Excel bulletin for an as-of
date (produced per request, nothing stored); its numbers are `progress_compute`'s for that date."""

from __future__ import annotations

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from bangfu.ledger.choices import RecordStatus
from bangfu.orgs.choices import TOWN_LEVEL
from bangfu.orgs.models import Organisation
from bangfu.progress.lines import ProgressLine
from bangfu.progress.selectors import progress_compute
from tests.support.world import buy, org

pytestmark = pytest.mark.django_db

URL = reverse("bulletins:index")
AS_OF = dt.date(2022, 6, 30)
WAN = 1_000_000


@pytest.fixture
def bought(plan):
    buy(org("周巷镇"), 180 * WAN, day=dt.date(2022, 3, 1))
    buy(org("坎墩街道"), 45_678_912, day=dt.date(2022, 5, 20))
    buy(org("横河镇"), 30 * WAN, day=dt.date(2022, 6, 1), status=RecordStatus.SUBMITTED)
    buy(org("观海卫镇"), 90 * WAN, day=dt.date(2022, 7, 2))  # after the as-of date
    return plan


def download(client, fmt: str, **extra):
    data = {"year": "2022", "as_of": AS_OF.isoformat(), "format": fmt, **extra}
    response = client.post(URL, data)
    assert response.status_code == 200, response.content[:500]
    return response, b"".join(response.streaming_content)


def wan(fen: int) -> str:
    value = (Decimal(fen) / WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value:,.2f}"


def town_lines(plan) -> dict[str, ProgressLine]:
    report = progress_compute(plan, as_of=AS_OF)
    return {
        line.org_label: line
        for line in report.lines
        if line.target.kind == "amount" and line.orgs and all(o.kind in TOWN_LEVEL for o in line.orgs)
    }


@pytest.mark.parametrize(("role", "unit"), [("coordinator", None), ("leader", None)])
def test_the_office_and_the_leadership_get_the_form(login, bought, role, unit):
    response = login(role, unit).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "生成并下载 Word 通报" in html and "生成并下载 Excel 通报" in html
    assert ('name="issue_no"' in html) is (role == "coordinator")
    assert response.context["form"].initial["as_of"].year == 2022


@pytest.mark.parametrize(("role", "unit"), [("reporter", "周巷镇"), ("lead", "市总工会")])
def test_reporters_and_lead_reviewers_are_refused(login, bought, role, unit):
    client = login(role, unit)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"year": "2022", "as_of": "2022-06-30", "format": "docx"}).status_code == 403


def test_anonymous_users_are_sent_to_the_login(client, bought):
    assert client.get(URL).status_code == 302


def test_the_word_bulletin_downloads_with_the_progress_figures(login, bought):
    response, body = download(login("leader"), "docx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessing")
    name = "2022年全市消费帮扶工作进度通报（第6期，截至2022-06-30）.docx"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"
    document = Document(io.BytesIO(body))
    assert document.paragraphs[0].text == "2022年全市消费帮扶工作进度通报"
    assert document.paragraphs[1].text == "第6期"
    printed = {row.cells[1].text: [c.text for c in row.cells] for row in document.tables[0].rows[1:]}
    expected = town_lines(bought)
    assert len(printed) == len(expected) == 18
    for unit, line in expected.items():
        _rank, _unit, target, achieved, *_rest = printed[unit]
        assert target == wan(line.result.required_fen or 0) and achieved == wan(line.result.achieved_fen)
    assert printed["坎墩街道"][3] == "45.68" and printed["观海卫镇"][3] == "0.00"
    assert len(document.inline_shapes) == 1  # the chart


def test_the_excel_bulletin_downloads_with_the_progress_figures(login, bought):
    response, body = download(login("coordinator"), "xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith(quote("截至2022-06-30）.xlsx"))
    ranking = load_workbook(io.BytesIO(body))["镇街排名"]
    rows = {row[1].value: row for row in ranking.iter_rows(min_row=4) if row[1].value}
    expected = town_lines(bought)
    assert set(expected) <= set(rows)
    for unit, line in expected.items():
        row = rows[unit]
        assert Decimal(str(row[3].value)) == Decimal(line.result.required_fen or 0) / WAN
        assert Decimal(str(row[4].value)) == Decimal(line.result.achieved_fen) / WAN
        if line.result.rate is not None:
            assert row[5].value == pytest.approx(float(line.result.rate), abs=5e-5)
    assert len(ranking._charts) == 1


def test_records_awaiting_review_count_as_progress_counts_them(login, bought):
    """The bulletin uses `progress_compute` as `bangfu progress` does (the plan's own setting)."""
    _response, body = download(login("coordinator"), "xlsx")
    rows = {row[1].value: row for row in load_workbook(io.BytesIO(body))["镇街排名"].iter_rows(min_row=4)}
    henghe = town_lines(bought)["横河镇"]
    assert Decimal(str(rows["横河镇"][4].value)) == Decimal(henghe.result.achieved_fen) / WAN


def test_only_the_office_sets_the_issue_number(login, bought):
    _response, body = download(login("coordinator"), "docx", issue_no="7")
    assert Document(io.BytesIO(body)).paragraphs[1].text == "第7期"
    response, body = download(login("leader"), "docx", issue_no="7")
    assert Document(io.BytesIO(body)).paragraphs[1].text == "第6期"  # the field is not the leader's
    assert quote("第6期") in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"as_of": "2021-06-30"}, "2022年内"),
        ({"as_of": "30/06/2022"}, "日期"),
        ({"format": "pdf"}, "pdf"),
        ({"year": "2030"}, "2030"),
        ({"issue_no": "0"}, "1"),
    ],
)
def test_bad_requests_are_refused_with_a_message(login, bought, data, message):
    form = {"year": "2022", "as_of": "2022-06-30", "format": "docx", **data}
    response = login("coordinator").post(URL, form)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_formula_like_unit_name_stays_text_in_the_excel_file(login, bought):
    Organisation.objects.filter(name="坎墩街道").update(name='=HYPERLINK("x")')
    _response, body = download(login("coordinator"), "xlsx")
    cell = load_workbook(io.BytesIO(body))["镇街排名"]
    values = [c.value for c in cell["B"] if c.value]
    assert '=HYPERLINK("x")' in values
    found = next(c for c in cell["B"] if c.value == '=HYPERLINK("x")')
    assert found.data_type == "s"
