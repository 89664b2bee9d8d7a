"""Importing a ledger over the API, end to end: upload → summary → records with provenance → batch →
report download; re-import changes nothing; limits and unreadable files answer in Chinese."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from bangfu.ledger.models import ImportBatch, Purchase

pytestmark = pytest.mark.django_db

LEDGER = (
    "周巷镇消费帮扶采购台账\n"
    "填报单位（盖章）：周巷镇\n"
    "序号,采购单位,采购日期,商品名称,产地,金额（元）,订单号,备注\n"
    '1,周巷镇甲公司工会,2022-03-15,苦荞茶,四川省凉山彝族自治州布拖县,"1,280.50",API-001,\n'
    "2,周巷镇,2022.4.2,马铃薯,凉山州布拖县,０.１０,API-002,\n"
    "3,周巷镇,2022年5月20日,花椒,布拖,0.20,API-003,\n"
    "4,周巷镇,2022/07/01,附子,布拖,abc,API-004,\n"
    "5,周巷镇,2022/07/02,附子,布拖,9.99,API-005,已取消\n"
    ",合计,,,,1281.80,,\n"
)


def upload(name: str = "周巷镇台账.csv", content: str | bytes = LEDGER) -> SimpleUploadedFile:
    data = content.encode("gb18030") if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_a_reporter_imports_a_gbk_csv_end_to_end(world):
    client = world.client("reporter")
    response = client.post("/api/records/import", {"file": upload(), "year": "2022"})
    assert response.status_code == 201, response.content
    summary = response.json()
    assert (summary["accepted"], summary["rejected"], summary["duplicates"], summary["skipped"]) == (
        3,
        1,
        0,
        2,
    )
    assert summary["total_fen"] == 128_080 and summary["total_yuan"] == 1280.80
    assert summary["batch_id"] == summary["batch"] and summary["file"] == "周巷镇台账.csv"
    assert summary["reporting_org"] == "周巷镇" and summary["already_imported"] is False
    # the same keys as `bangfu ledger import --json`
    assert {"accepted", "rejected", "duplicates", "skipped", "total_yuan", "report"} <= set(summary)

    stored = Purchase.objects.filter(batch_id=summary["batch_id"]).order_by("row_number")
    assert [p.amount_fen for p in stored] == [128_050, 10, 20]
    assert {p.status for p in stored} == {"submitted"}
    assert {p.reporting_org_id for p in stored} == {world.units["zhouxiang"].pk}
    assert stored[0].purchaser == world.units["union"]

    # the records are listed and carry their provenance
    detail = client.get(f"/api/records/{stored[0].pk}").json()
    assert detail["provenance"]["batch"]["file_name"] == "周巷镇台账.csv"
    assert detail["provenance"]["row"] == 4
    assert {c["header"]: c["value"] for c in detail["provenance"]["cells"]}["金额（元）"] == "1,280.50"
    listed = client.get("/api/records?order_no=API-00").json()["items"]
    assert sorted(i["amount_yuan"] for i in listed) == ["0.10", "0.20", "1280.50"]

    # the batch, its problem rows and the report
    batch = client.get(f"/api/batches/{summary['batch_id']}").json()
    assert batch["accepted"] == 3 and batch["total_yuan"] == "1280.80" and batch["encoding"]
    assert batch["created_by"] == world.users["reporter"].username
    rejected = [p for p in batch["problems"] if p["outcome"] == "rejected"]
    assert len(rejected) == 1 and rejected[0]["row"] == 7 and "abc" in rejected[0]["raw"]
    assert batch["problems_total"] == 3  # the rejected row, the cancelled order, the 合计 row
    assert summary["report_url"] == batch["report_url"] == f"/api/batches/{summary['batch_id']}/report"
    report = client.get(batch["report_url"])
    assert report.status_code == 200 and "attachment" in report["Content-Disposition"]
    workbook_path = world_tmp_file(report)
    values = [c.value for row in load_workbook(workbook_path).active.iter_rows() for c in row]
    assert "abc" in values


def world_tmp_file(response):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "report.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    return path


def test_importing_the_same_file_again_changes_nothing(world):
    client = world.client("reporter")
    first = client.post("/api/records/import", {"file": upload()}).json()
    count = Purchase.objects.count()
    again = client.post("/api/records/import", {"file": upload()})
    assert again.status_code == 200
    body = again.json()
    assert body["already_imported"] is True and body["batch_id"] == first["batch_id"]
    assert body["accepted"] == 0 and body["duplicates"] == 3
    assert Purchase.objects.count() == count and ImportBatch.objects.count() == 1


def test_the_coordinators_import_waits_for_review_and_may_name_the_unit(world):
    # One rule for the web and the API (ledger.access.import_terms_for): records imported there are
    # submitted and approved by somebody else; only the command line stores approved records.
    response = world.client("coordinator").post(
        "/api/records/import", {"file": upload(), "org": str(world.units["guanhaiwei"].pk)}
    )
    assert response.status_code == 201
    batch = ImportBatch.objects.get(pk=response.json()["batch_id"])
    assert batch.reporting_org == world.units["guanhaiwei"]
    assert set(batch.purchases.values_list("status", flat=True)) == {"submitted"}


def test_other_roles_import_for_their_own_unit_only(world):
    response = world.client("reporter").post(
        "/api/records/import", {"file": upload(), "org": str(world.units["guanhaiwei"].pk)}
    )
    assert response.status_code == 403 and "管理员" in response.json()["detail"]
    response = world.client("lead").post("/api/records/import", {"file": upload()})
    assert response.status_code == 201
    assert response.json()["reporting_org"] == "市总工会"


def test_the_leader_cannot_import(world):
    response = world.client("leader").post("/api/records/import", {"file": upload()})
    assert response.status_code == 403 and not ImportBatch.objects.exists()


def test_an_unreadable_file_is_422_with_one_chinese_line(world):
    response = world.client("reporter").post(
        "/api/records/import", {"file": upload("乱码.xlsx", b"PK\x03\x04 this is not a workbook")}
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "乱码.xlsx" in detail and "\n" not in detail
    assert not ImportBatch.objects.exists()


def test_a_file_without_a_header_is_422(world):
    response = world.client("reporter").post(
        "/api/records/import", {"file": upload("说明.csv", "你好\n世界\n")}
    )
    assert response.status_code == 422 and "说明.csv" in response.json()["detail"]


def test_an_empty_file_is_422(world):
    response = world.client("reporter").post("/api/records/import", {"file": upload("空.csv", b"")})
    assert response.status_code == 422 and "空文件" in response.json()["detail"]


def test_a_disallowed_suffix_is_415(world):
    response = world.client("reporter").post("/api/records/import", {"file": upload("台账.exe", b"MZ")})
    assert response.status_code == 415 and ".xlsx" in response.json()["detail"]
    response = world.client("reporter").post("/api/records/import", {"file": upload("台账", b"x")})
    assert response.status_code == 415


def test_a_file_over_the_size_limit_is_413(world, settings):
    settings.BANGFU_UPLOAD_MAX_BYTES = 100
    response = world.client("reporter").post("/api/records/import", {"file": upload()})
    assert response.status_code == 413 and "上限" in response.json()["detail"]
    assert not ImportBatch.objects.exists()


def test_a_path_in_the_file_name_is_dropped(world):
    response = world.client("reporter").post("/api/records/import", {"file": upload("../../etc/台账.csv")})
    assert response.status_code == 201
    assert ImportBatch.objects.get().file_name == "台账.csv"


def test_the_file_is_required(world):
    response = world.client("reporter").post("/api/records/import", {})
    assert response.status_code == 422 and "file：必填" in response.json()["detail"]


def test_a_batch_outside_the_scope_is_404(world):
    batch_id = world.client("reporter").post("/api/records/import", {"file": upload()}).json()["batch_id"]
    for role in ("lead",):
        client = world.client(role)
        assert client.get(f"/api/batches/{batch_id}").status_code == 404
        assert client.get(f"/api/batches/{batch_id}/report").status_code == 404
    assert (
        world.client("lead").get("/api/batches/987654321").json()
        == world.client("lead").get(f"/api/batches/{batch_id}").json()
    )


def test_a_batch_without_problems_has_no_report(world):
    clean = "采购单位,采购日期,金额（元）,产地\n周巷镇,2022-03-01,5.00,布拖县\n"
    batch_id = (
        world.client("reporter")
        .post("/api/records/import", {"file": upload("干净.csv", clean)})
        .json()["batch_id"]
    )
    body = world.client("reporter").get(f"/api/batches/{batch_id}").json()
    assert body["report_url"] is None and body["problems"] == []
    response = world.client("reporter").get(f"/api/batches/{batch_id}/report")
    assert response.status_code == 404 and response.json()["detail"] == "该批次没有问题行报告。"
