"""Importing activities of one kind from a spreadsheet on the web: scoped to the user's units, every
refused row shown with its reason and kept in a downloadable problem-row report (the user's own only),
importing the same file twice changes nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from bangfu.activities.models import Activity
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.models import Organisation
from bangfu.orgs.services import org_create
from tests.ledger.builders import write_xlsx
from tests.support.world import org

pytestmark = pytest.mark.django_db
URL = reverse("activities:import")
HEADER = ["单位", "事项编号", "名称", "日期", "活动类型", "地点", "展位数", "免费展位数", "现场销售额（元）"]


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def union(plan):
    return org_create(name="周巷镇甲公司工会", kind=OrgKind.UNION, parent=org("周巷镇"))


def upload(tmp_path: Path, rows: list[list[object]], name: str = "展销活动.xlsx") -> SimpleUploadedFile:
    path = write_xlsx(tmp_path / name, {"活动": [["2022年展销活动台账"], HEADER, *rows]})
    return SimpleUploadedFile(name, path.read_bytes())


ROWS = [
    ["周巷镇", "4.1", "周巷镇展销会", "2022-09-20", "展销会", "文化广场", 10, 10, "5,600"],
    ["周巷镇甲公司工会", "", "工会展销", "2022年9月23日", "推介会", "工会大楼", None, None, None],
    ["观海卫镇", "4.1", "观海卫镇展销会", "2022-09-20", "展销会", "x", None, None, None],
    ["周巷镇某新单位", "4.1", "新单位展销", "2022-09-20", "展销会", "x", None, None, None],
    ["周巷镇", "4.1", "没有日期", "", "展销会", "x", None, None, None],
    ["周巷镇", "9.9", "不存在的事项", "2022-09-20", "展销会", "x", None, None, None],
    ["周巷镇", "4.1", "免费多于总数", "2022-09-20", "展销会", "x", 2, 3, None],
    ["合计", None, None, None, None, None, 12, 13, None],
]


def test_a_reporter_imports_for_its_units_only_and_sees_every_refused_row(login, union, media, tmp_path):
    client = login("reporter", "周巷镇")
    response = client.post(URL, {"kind": "event", "file": upload(tmp_path, ROWS)})
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.saved, result.rejected, result.duplicates, result.skipped) == (2, 5, 0, 1)
    html = response.content.decode()
    for reason in ("第5行：单位“观海卫镇”不在本单位管辖范围内", "第6行：单位“周巷镇某新单位”未登记", "第7行“日期”列",
                   "第8行：事项“9.9”不在当前任务分解表中", "第9行：免费展位数不能多于展位数"):  # fmt: skip
        assert reason in html, reason
    assert not Organisation.objects.filter(name="周巷镇某新单位").exists()  # nothing created outside review
    saved = {a.title: a for a in Activity.objects.all()}
    assert set(saved) == {"周巷镇展销会", "工会展销"}
    assert saved["周巷镇展销会"].item.code == "4.1" and saved["周巷镇展销会"].details["sales"] == 5_600_00
    assert saved["工会展销"].organisation == union and saved["工会展销"].item is None
    assert "展销活动.xlsx" in saved["周巷镇展销会"].source

    # The problem-row report: the rejected rows with their original values, for this user only.
    token = response.context["report_token"]
    report = client.get(reverse("activities:import-report", args=[token]))
    assert report.status_code == 200 and "attachment" in report["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content))).worksheets[0]
    assert sheet.max_row == 6 and sheet.cell(2, 1).value == "观海卫镇"
    other = login("reporter", "观海卫镇")
    assert other.get(reverse("activities:import-report", args=[token])).status_code == 404
    assert other.get(reverse("activities:import-report", args=["guessed-token"])).status_code == 404


def test_importing_the_same_file_twice_changes_nothing(login, union, media, tmp_path):
    client = login("reporter", "周巷镇")
    rows = [ROWS[0], ROWS[1], ROWS[0]]  # two equal rows in one file are two records
    first = client.post(URL, {"kind": "event", "file": upload(tmp_path, rows)}).context["result"]
    assert (first.saved, first.duplicates) == (3, 0)
    again = client.post(URL, {"kind": "event", "file": upload(tmp_path, rows)})
    result = again.context["result"]
    assert (result.saved, result.rejected, result.duplicates) == (0, 0, 3)
    assert "与已有记录相同，未重复导入" in again.content.decode()
    assert Activity.objects.count() == 3


def test_the_office_names_a_default_unit_and_item(login, plan, media, tmp_path):
    rows = [[None, None, "无单位的展销", "2022-10-01", "展销会", "x", None, None, None]]
    item = plan.tasks.get(seq=4).items.get(seq=1)
    commerce = org("市商务局")
    response = login("coordinator").post(
        URL, {"kind": "event", "file": upload(tmp_path, rows), "organisation": commerce.pk, "item": item.pk}
    )
    assert response.context["result"].saved == 1
    saved = Activity.objects.get()
    assert saved.organisation == commerce and saved.item == item


def test_a_reporter_cannot_name_a_default_unit_outside_its_scope(login, plan, media, tmp_path):
    rows = [[None, None, "展销", "2022-10-01", "展销会", "x", None, None, None]]
    response = login("reporter", "周巷镇").post(
        URL, {"kind": "event", "file": upload(tmp_path, rows), "organisation": org("观海卫镇").pk}
    )
    assert response.status_code == 400 and "organisation" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_files_that_cannot_be_read_are_refused(login, plan, media):
    client = login("coordinator")
    wrong = client.post(URL, {"kind": "event", "file": SimpleUploadedFile("x.exe", b"MZ")})
    assert wrong.status_code == 400 and "只接受" in wrong.content.decode()
    broken = client.post(URL, {"kind": "event", "file": SimpleUploadedFile("坏.xlsx", b"PK\x03\x04xx")})
    assert broken.status_code == 400 and "坏.xlsx" in broken.content.decode()
    no_header = client.post(
        URL, {"kind": "event", "file": SimpleUploadedFile("空.csv", "甲,乙\n1,2\n".encode())}
    )
    assert no_header.status_code == 400 and "未找到表头" in no_header.content.decode()


def test_the_leader_may_not_import(login, plan, media, tmp_path):
    response = login("leader").post(URL, {"kind": "event", "file": upload(tmp_path, ROWS[:1])})
    assert response.status_code == 403 and not Activity.objects.exists()


def test_the_template_has_the_columns_the_importer_reads(login, plan, media, tmp_path):
    response = login("reporter", "周巷镇").get(reverse("activities:import-template", args=["training"]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == ["单位", "事项编号", "名称", "日期", "期数", "培训人次", "地点", "组织单位", "说明"]
    assert (
        login("coordinator").get(reverse("activities:import-template", args=["nonsense"])).status_code == 404
    )
    # A filled-in template imports as it is.
    sheet.append(["周巷镇", "5.1", "电商培训", "2022-06-01", 2, 80, "周巷镇", "商务局", ""])
    out = tmp_path / "培训.xlsx"
    sheet.parent.save(out)
    result = (
        login("reporter", "周巷镇")
        .post(URL, {"kind": "training", "file": SimpleUploadedFile("培训.xlsx", out.read_bytes())})
        .context["result"]
    )
    assert (result.saved, result.rejected) == (1, 0)
    assert Activity.objects.get().details == {
        "sessions": 2,
        "trainees": 80,
        "place": "周巷镇",
        "organiser": "商务局",
    }
