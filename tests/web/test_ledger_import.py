"""The import wizard end to end (upload → preview → confirm → summary → batch, report download), its
refusals (type, size, content, tokens, roles), and the batch pages' scoping."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.models import ImportBatch, Purchase
from bangfu.ledger.services.uploads import FOLDER
from tests.ledger.builders import town_xlsx, write_csv
from tests.support.worlds import World

pytestmark = pytest.mark.django_db
S = RecordStatus


@pytest.fixture
def world(ledger_world) -> World:
    return ledger_world


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def upload(client, path: Path, **extra):
    with path.open("rb") as handle:
        return client.post(reverse("ledger:import"), {"file": handle, **extra})


def token_of(response) -> str:
    assert response.status_code == 302, getattr(response, "context", None) and response.context["form"].errors
    return response["Location"].rstrip("/").rsplit("/", 1)[-1]


def test_the_wizard_end_to_end_as_a_reporter(world, media, tmp_path, monkeypatch):
    client = world.client("reporter")
    assert "填报单位" in client.get(reverse("ledger:import")).content.decode()
    token = token_of(upload(client, town_xlsx(tmp_path)))
    stored = list((media / FOLDER / token).iterdir())
    assert [p.name for p in stored] == ["周巷镇台账.xlsx"]

    # Preview: a dry run of the real import — nothing is stored yet.
    preview = client.get(reverse("ledger:import-preview", args=[token]))
    assert preview.status_code == 200
    summary = preview.context["summary"]
    assert (summary.accepted, summary.rejected, summary.duplicates, summary.skipped) == (3, 1, 1, 1)
    assert summary.total_fen == 260_050
    assert (
        not ImportBatch.objects.exists() and not Purchase.objects.filter(order_no__startswith="W-").exists()
    )
    html = preview.content.decode()
    assert "表头在第 3 行" in html
    mapping = {m["header"]: m["field"] for m in preview.context["sheets"][0]["mapping"]}
    assert mapping["金额（元）"] == "金额" and mapping["采购单位"] == "采购单位" and mapping["序号"] == ""
    assert "周巷镇新来的学校" in html  # a unit that the import will create, listed
    assert "金额" in html and "abc" in html  # the rejected row with its reason and original cells
    assert [r["kind"] for r in preview.context["sample"]][:3] == ["record", "record", "rejected"]
    assert "确认导入（3 条）" in html

    # Confirm: the real import, as submitted records reported by 周巷镇.
    done = client.post(reverse("ledger:import-confirm", args=[token]))
    assert done.status_code == 302 and done["Location"] == reverse("ledger:import-done", args=[token])
    assert not (media / FOLDER / token).exists()
    batch = ImportBatch.objects.get()
    assert batch.reporting_org == world.units["zhouxiang"] and batch.created_by == world.users["reporter"]
    records = Purchase.objects.filter(batch=batch)
    assert records.count() == 3 and set(records.values_list("status", flat=True)) == {S.SUBMITTED}
    assert records.get(order_no="W-004").purchaser == world.units["zhouxiang"]  # no purchaser: the unit

    summary_page = client.get(done["Location"])
    html = summary_page.content.decode()
    assert summary_page.status_code == 200 and "导入完成" in html
    assert reverse("ledger:batch", args=[batch.pk]) in html
    assert reverse("ledger:batch-report", args=[batch.pk]) in html

    report = client.get(reverse("ledger:batch-report", args=[batch.pk]))
    assert report.status_code == 200 and "attachment" in report["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    assert any(title.startswith("被拒绝") for title in wb.sheetnames)

    listed = client.get(reverse("ledger:list"), {"batch": batch.pk}).context["page"].items
    assert {p.pk for p in listed} == set(records.values_list("pk", flat=True))
    from bangfu.ledger import query_plans

    monkeypatch.setattr(query_plans, "LARGE_UNIT_ROWS", 2)  # a "large" batch: read in page order
    listed = client.get(reverse("ledger:list"), {"batch": batch.pk}).context["page"].items
    assert {p.pk for p in listed} == set(records.values_list("pk", flat=True))
    monkeypatch.undo()

    batch_page = client.get(reverse("ledger:batch", args=[batch.pk]))
    html = batch_page.content.decode()
    assert batch_page.status_code == 200 and batch.sha256 in html and "abc" in html
    assert {p.pk for p in batch_page.context["page"].items} == set(records.values_list("pk", flat=True))

    # The record shows where it came from: file, sheet, row and the original cells under their headers.
    record = records.get(order_no="W-001")
    detail = client.get(reverse("ledger:detail", args=[record.pk])).content.decode()
    assert "周巷镇台账.xlsx" in detail and batch.sha256 in detail
    assert f">{batch.sha256}<" not in detail and f">{batch.sha256}<" not in html  # a tooltip, not text
    assert "<th>金额（元）</th><td>1500</td>" in detail
    assert "在其他位置重复出现" in detail  # the duplicate row 7 is a sighting of the same purchase

    # The reviewer approves the whole batch from the queue.
    queue = world.client("coordinator").get(reverse("ledger:approvals"), {"batch": batch.pk})
    assert queue.context["group"].batch == batch and queue.context["group"].count == 3
    response = world.client("coordinator").post(
        reverse("ledger:batch-review", args=[batch.pk]), {"action": "approve"}
    )
    assert response.status_code == 302
    assert set(records.values_list("status", flat=True)) == {S.APPROVED}


def test_the_same_file_twice_says_it_was_already_imported(world, media, tmp_path):
    client = world.client("reporter")
    path = town_xlsx(tmp_path)
    first = token_of(upload(client, path))
    client.post(reverse("ledger:import-confirm", args=[first]))
    before = Purchase.objects.count()

    second = token_of(upload(client, path))
    preview = client.get(reverse("ledger:import-preview", args=[second]))
    html = preview.content.decode()
    assert preview.context["summary"].already_imported and "该文件已经导入过" in html
    assert "确认导入（" not in html
    client.post(reverse("ledger:import-confirm", args=[second]))
    done = client.get(reverse("ledger:import-done", args=[second])).content.decode()
    assert "该文件已经导入过，本次没有任何改动" in done
    assert Purchase.objects.count() == before and ImportBatch.objects.count() == 1


def test_a_coordinator_chooses_the_reporting_unit(world, media, tmp_path):
    client = world.client("coordinator")
    rows = [["采购日期", "商品名称", "金额"], ["2022-07-01", "苦荞茶", "100"]]
    path = write_csv(tmp_path / "无单位.csv", rows, encoding="gbk")
    token = token_of(upload(client, path, reporting_org=world.units["guanhaiwei"].pk))
    client.post(reverse("ledger:import-confirm", args=[token]))
    batch = ImportBatch.objects.get()
    assert batch.reporting_org == world.units["guanhaiwei"] and batch.encoding == "gb18030"
    assert Purchase.objects.get(batch=batch).purchaser == world.units["guanhaiwei"]


def test_a_reporter_cannot_choose_another_unit(world, media, tmp_path):
    client = world.client("reporter")
    assert "reporting_org" not in client.get(reverse("ledger:import")).context["form"].fields
    rows = [["采购日期", "商品名称", "金额"], ["2022-07-01", "苦荞茶", "100"]]
    token = token_of(
        upload(client, write_csv(tmp_path / "x.csv", rows), reporting_org=world.units["guanhaiwei"].pk)
    )
    client.post(reverse("ledger:import-confirm", args=[token]))
    assert ImportBatch.objects.get().reporting_org == world.units["zhouxiang"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("计划.docx", b"PK\x03\x04 not a ledger", "不支持文件"),
        ("报告.pdf", b"%PDF-1.4", "不支持文件"),
        ("空.csv", b"", "空文件"),
        ("网页.xls", b"<html><table><tr><td>1</td></tr></table></html>", "网页"),
        ("坏的.xlsx", b"PK\x03\x04garbage", "无法"),
        ("无表头.csv", "甲,乙\n1,2\n".encode(), "没有找到表头"),
    ],
)
def test_uploads_that_cannot_be_imported_are_refused_clearly(world, media, name, content, message):
    response = world.client("reporter").post(
        reverse("ledger:import"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("file", []))
    assert message in errors, errors
    assert not (media / FOLDER).exists() or not any((media / FOLDER).iterdir())


def test_uploads_over_the_size_limit_are_refused(world, media, settings, tmp_path):
    settings.BANGFU_UPLOAD_MAX_BYTES = 1024
    path = write_csv(tmp_path / "大.csv", [["采购日期", "金额"], *[["2022-01-01", "1"]] * 200])
    response = upload(world.client("reporter"), path)
    assert response.status_code == 200 and "超过了" in " ".join(response.context["form"].errors["file"])


def test_tokens_belong_to_their_session(world, media, tmp_path):
    token = token_of(upload(world.client("reporter"), town_xlsx(tmp_path)))
    other = world.client("coordinator")
    assert other.get(reverse("ledger:import-preview", args=[token])).status_code == 404
    assert other.post(reverse("ledger:import-confirm", args=[token])).status_code == 404
    assert other.get(reverse("ledger:import-done", args=[token])).status_code == 404
    assert other.get(reverse("ledger:import-preview", args=["..%2F..%2Fetc"])).status_code == 404
    assert not ImportBatch.objects.exists()


def test_cancel_removes_the_upload(world, media, tmp_path):
    client = world.client("reporter")
    token = token_of(upload(client, town_xlsx(tmp_path)))
    client.post(reverse("ledger:import-cancel", args=[token]))
    assert not (media / FOLDER / token).exists()
    assert client.get(reverse("ledger:import-preview", args=[token])).status_code == 404


def test_leaders_cannot_import(world, media, tmp_path):
    client = world.client("leader")
    assert upload(client, town_xlsx(tmp_path)).status_code == 403
    assert client.get(reverse("ledger:import-preview", args=["x" * 32])).status_code == 403


@pytest.fixture
def reporter_gh(world, make_user):
    return make_user("reporter", "观海卫镇")


def test_batches_and_reports_are_scoped(world, media, tmp_path, reporter_gh, client):
    owner = world.client("reporter")
    token = token_of(upload(owner, town_xlsx(tmp_path)))
    owner.post(reverse("ledger:import-confirm", args=[token]))
    batch = ImportBatch.objects.get()
    client.force_login(reporter_gh)
    for name in ("ledger:batch", "ledger:batch-report"):
        assert client.get(reverse(name, args=[batch.pk])).status_code == 404
    assert batch.pk not in {b.pk for b in client.get(reverse("ledger:batches")).context["batches"]}
    assert not client.get(reverse("ledger:list"), {"batch": batch.pk}).context["page"].items
    for role, expected in (("coordinator", 200), ("leader", 200), ("reporter", 200), ("lead", 404)):
        assert world.client(role).get(reverse("ledger:batch", args=[batch.pk])).status_code == expected, role
    # Reviewing a whole batch touches only the records in the reviewer's scope: the lead of the unions
    # approves the union's purchase; the town's own records wait for their reviewer.
    response = world.client("lead").post(
        reverse("ledger:batch-review", args=[batch.pk]), {"action": "approve"}
    )
    assert response.status_code == 302
    statuses = dict(Purchase.objects.filter(batch=batch).values_list("order_no", "status"))
    assert statuses == {"W-001": S.APPROVED, "W-002": S.SUBMITTED, "W-004": S.SUBMITTED}
    # Once nothing is left for it, the batch is not the lead's to act on.
    response = world.client("lead").post(
        reverse("ledger:batch-review", args=[batch.pk]), {"action": "approve"}
    )
    assert response.status_code == 404
    response = client.post(reverse("ledger:batch-review", args=[batch.pk]), {"action": "approve"})
    assert response.status_code == 403


def test_a_lost_report_file_is_written_again_from_the_stored_rows(world, media, tmp_path):
    client = world.client("reporter")
    token = token_of(upload(client, town_xlsx(tmp_path)))
    client.post(reverse("ledger:import-confirm", args=[token]))
    batch = ImportBatch.objects.get()
    Path(batch.report).unlink()
    response = client.get(reverse("ledger:batch-report", args=[batch.pk]))
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(b"".join(response.streaming_content))).sheetnames


def test_a_truncated_report_file_is_written_again_not_served(world, media, tmp_path):
    """A report cut short (an import killed while an older version wrote it in place) is not a report."""
    client = world.client("reporter")
    token = token_of(upload(client, town_xlsx(tmp_path)))
    client.post(reverse("ledger:import-confirm", args=[token]))
    batch = ImportBatch.objects.get()
    path = Path(batch.report)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    response = client.get(reverse("ledger:batch-report", args=[batch.pk]))
    assert response.status_code == 200
    served = b"".join(response.streaming_content)
    assert load_workbook(io.BytesIO(served)).sheetnames == load_workbook(io.BytesIO(whole)).sheetnames
    assert path.read_bytes() == served  # written again, complete, under its name
    assert not list(path.parent.glob(".*.partial"))


def test_the_batch_page_reads_a_fixed_number_of_queries(
    world, media, tmp_path, django_assert_max_num_queries
):
    client = world.client("coordinator")
    token = token_of(upload(client, town_xlsx(tmp_path)))
    client.post(reverse("ledger:import-confirm", args=[token]))
    batch = ImportBatch.objects.get()
    client.get(reverse("ledger:batch", args=[batch.pk]))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("ledger:batch", args=[batch.pk]))
    assert response.status_code == 200


def test_the_preview_says_prominently_what_changes_what_counts(world, media, tmp_path):
    rows = [
        ["采购单位", "采购日期", "商品名称", "源头县", "金额（元）", "订单号"],
        ["周巷镇甲公司工会", "2022-03-15", "布拖苦荞茶", "一号仓", "100", "M-1"],
        ["周巷镇甲公司工会", "2022-03-16", "马铃薯", "二号仓", "200", "M-2"],
    ]
    client = world.client("reporter")
    token = token_of(upload(client, write_csv(tmp_path / "无产地列.csv", rows), channel="832"))
    preview = client.get(reverse("ledger:import-preview", args=[token]))
    html = preview.content.decode()
    attention = html.split('class="card attention"', 1)[1].split("</section>", 1)[0]
    assert "导入前请注意" in attention and "没有产地列" in attention and "1 行无法识别产地" in attention
    assert html.index('class="card attention"') < html.index("确认导入（")  # read before confirming
    mapping = {m["header"]: m for m in preview.context["sheets"][0]["mapping"]}
    assert mapping["源头县"]["status"] == "未识别" and mapping["源头县"]["unrecognised"]
    assert "采购渠道：832平台" in html  # as stated at the upload
    client.post(reverse("ledger:import-confirm", args=[token]))
    stored = Purchase.objects.filter(order_no__in=["M-1", "M-2"])
    assert set(stored.values_list("channel", flat=True)) == {"832"}
    assert stored.get(order_no="M-1").origin_inferred_from == "product"
