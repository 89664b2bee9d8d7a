"""Base-value entry: the list in scope, the units still missing a base, the edit form (reporters for
their jurisdiction, the office for all, the leadership read-only) and the upload with refused rows."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bangfu.orgs.choices import OrgKind
from bangfu.orgs.services import org_create
from bangfu.progress.models import BaseValue
from bangfu.progress.services import base_value_set
from tests.support.world import org

pytestmark = pytest.mark.django_db

LIST = reverse("progress:bases")
UPLOAD = reverse("progress:bases-import")


@pytest.fixture
def unions(plan):
    zhouxiang_union = org_create(name="周巷镇总工会", kind=OrgKind.UNION, parent=org("周巷镇"))
    hengche_union = org_create(name="横河镇总工会", kind=OrgKind.UNION, parent=org("横河镇"))
    base_value_set(organisation=hengche_union, year=2022, member_count=300, holiday_gift_fen=50_000_00)
    return zhouxiang_union, hengche_union


def edit_url(unit) -> str:
    return reverse("progress:base-edit", args=[unit.pk]) + "?year=2022"


def test_the_list_is_scoped(login, unions, django_assert_max_num_queries):
    zhouxiang_union, hengche_union = unions
    client = login("reporter", "周巷镇")
    with django_assert_max_num_queries(25):
        response = client.get(LIST)
    assert response.status_code == 200
    assert list(response.context["page"]) == []  # 横河镇's base is not 周巷镇's to see
    assert zhouxiang_union in response.context["missing"]
    assert hengche_union not in response.context["missing"]
    coordinator = login("coordinator").get(LIST)
    assert [b.organisation for b in coordinator.context["page"]] == [hengche_union]
    html = coordinator.content.decode()
    assert "50,000.00" in html and ">5.00<" in html  # 50,000 元 = 5 万元
    assert "导入基数表" in html


def test_a_reporter_edits_its_own_units_base(login, unions):
    zhouxiang_union, _ = unions
    client = login("reporter", "周巷镇")
    assert client.get(edit_url(zhouxiang_union)).status_code == 200
    response = client.post(
        edit_url(zhouxiang_union), {"member_count": "420", "holiday_gift": "12.5万", "food_budget": ""}
    )
    assert response.status_code == 302
    base = BaseValue.objects.get(organisation=zhouxiang_union, year=2022)
    assert (base.member_count, base.holiday_gift_fen, base.food_budget_fen) == (420, 125_000_00, None)
    assert zhouxiang_union not in client.get(LIST).context["missing"]


def test_a_reporter_cannot_touch_another_towns_units(login, unions):
    _, hengche_union = unions
    client = login("reporter", "周巷镇")
    assert client.get(edit_url(hengche_union)).status_code == 404
    assert client.post(edit_url(hengche_union), {"member_count": "1"}).status_code == 404
    assert BaseValue.objects.get(organisation=hengche_union).member_count == 300


def test_a_reporter_cannot_move_purchases_onto_another_jurisdiction(login, unions):
    zhouxiang_union, _ = unions
    client = login("reporter", "周巷镇")
    response = client.post(edit_url(zhouxiang_union), {"member_count": "10", "counts_for": "横河镇"})
    assert response.status_code == 200 and "不在本单位管辖范围内" in response.content.decode()
    assert not BaseValue.objects.filter(organisation=zhouxiang_union).exists()
    bad = client.post(edit_url(zhouxiang_union), {"holiday_gift": "很多"})
    assert bad.status_code == 200 and "不是有效的" in bad.content.decode()


def test_the_leadership_reads_only(login, unions):
    _, hengche_union = unions
    client = login("leader")
    assert client.get(LIST).status_code == 200
    page = client.get(edit_url(hengche_union))
    assert page.status_code == 200 and '<form method="post" class="card' not in page.content.decode()
    assert client.post(edit_url(hengche_union), {"member_count": "1"}).status_code == 403
    assert client.post(UPLOAD, {}).status_code == 403


def test_the_coordinator_sets_a_shared_canteen(login, unions):
    commerce = org("市商务局")
    response = login("coordinator").post(
        edit_url(commerce), {"canteen_representative": "市财政局", "no_canteen": ""}
    )
    assert response.status_code == 302
    assert BaseValue.objects.get(organisation=commerce).canteen_representative == org("市财政局")


def csv_upload(rows: list[list[str]], name: str = "基数.csv") -> SimpleUploadedFile:
    text = "\n".join(",".join(row) for row in rows) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


ROWS = [
    ["单位名称", "职工人数", "法定节假日慰问品总金额（万元）"],
    ["周巷镇总工会", "350", "12.5"],
    ["横河镇总工会", "99", "1"],
    ["周巷镇某新工会", "10", "1"],
    ["周巷镇总工会", "abc", "1"],
]


def test_the_coordinator_uploads_bases_and_sees_the_refused_rows(login, unions):
    response = login("coordinator").post(UPLOAD + "?year=2022", {"file": csv_upload(ROWS)})
    assert response.status_code == 200
    result = response.context["result"]
    assert result.saved == 3 and result.created_orgs == ["周巷镇某新工会"]
    html = response.content.decode()
    assert "已导入 3 个单位的基数" in html and "第5行" in html and "不是有效人数" in html
    assert BaseValue.objects.get(organisation=unions[0]).holiday_gift_fen == 125_000_00


def test_a_reporters_upload_is_kept_to_its_jurisdiction(login, unions):
    response = login("reporter", "周巷镇").post(UPLOAD + "?year=2022", {"file": csv_upload(ROWS)})
    result = response.context["result"]
    assert result.saved == 1 and result.created_orgs == []
    reasons = "\n".join(result.rejected)
    assert "“横河镇总工会”不在本单位管辖范围内" in reasons
    assert "“周巷镇某新工会”未登记" in reasons
    assert BaseValue.objects.get(organisation=unions[1]).member_count == 300  # untouched


def test_uploads_of_other_kinds_are_refused(login, unions):
    client = login("coordinator")
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("x.exe", b"MZ")})
    assert response.status_code == 400 and "只接受" in response.content.decode()
    broken = client.post(UPLOAD, {"file": SimpleUploadedFile("坏.xlsx", b"PK\x03\x04xx")})
    assert broken.status_code == 400 and "坏" in broken.content.decode()
