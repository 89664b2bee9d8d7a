"""The import wizard with a real queue between the page and the job: the preview and the import wait for a
worker, their pages poll it; the preview writes nothing; one import of a file at a time; a job whose
worker died is marked failed; each user keeps a bounded number of uploads waiting."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bangfu.ledger.choices import UploadState
from bangfu.ledger.models import ImportBatch, Purchase, Upload
from bangfu.ledger.services import ledger_import
from bangfu.ledger.services.uploads import (
    upload_import_run,
    upload_preview_run,
    uploads_recover,
)
from tests.ledger.builders import town_xlsx
from tests.support.worlds import World

pytestmark = pytest.mark.django_db
QUEUED_ONLY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def world(ledger_world) -> World:
    return ledger_world


@pytest.fixture
def queued(settings, tmp_path):
    """Jobs are queued and wait for a worker (the test runs them by hand)."""
    settings.TASKS = QUEUED_ONLY
    settings.MEDIA_ROOT = tmp_path / "media"


def post_file(client, path: Path):
    with path.open("rb") as handle:
        return client.post(reverse("ledger:import"), {"file": handle})


def test_the_preview_page_waits_for_the_worker_then_shows_the_result(world, queued, tmp_path):
    client = world.client("reporter")
    response = post_file(client, town_xlsx(tmp_path))
    assert response.status_code == 302
    upload = Upload.objects.get()
    assert upload.state == UploadState.PREVIEWING and upload.worker == ""

    waiting = client.get(response["Location"])
    html = waiting.content.decode()
    assert waiting.status_code == 200 and "正在分析文件" in html and 'hx-trigger="every 1s"' in html
    poll = client.get(response["Location"], headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "排队等待处理" in poll.content.decode()
    assert "<html" not in poll.content.decode()  # the fragment only

    upload_preview_run(upload.pk)  # the worker
    poll = client.get(response["Location"], headers={"HX-Request": "true"})
    assert poll.status_code == 204 and poll["HX-Refresh"] == "true"
    preview = client.get(response["Location"])
    assert preview.context["summary"].accepted == 3 and "确认导入（3 条）" in preview.content.decode()
    assert not ImportBatch.objects.exists()

    done = client.post(reverse("ledger:import-confirm", args=[upload.token]))
    assert done["Location"] == reverse("ledger:import-done", args=[upload.token])
    assert "正在导入" in client.get(done["Location"]).content.decode()
    upload_import_run(upload.pk)
    result = client.get(done["Location"])
    assert "导入完成" in result.content.decode()
    assert Purchase.objects.filter(batch=ImportBatch.objects.get()).count() == 3


def test_the_preview_writes_nothing(world, tmp_path):
    path = town_xlsx(tmp_path)
    with CaptureQueriesContext(connection) as queries:
        summary = ledger_import(path=path, org=world.units["zhouxiang"], dry_run=True)
    assert summary.accepted == 3 and summary.created_orgs == ["周巷镇新来的学校"]
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "SAVEPOINT"))
    ]
    assert writes == []
    assert (
        not ImportBatch.objects.exists() and not Purchase.objects.filter(order_no__startswith="W-").exists()
    )


def test_the_import_writes_in_one_short_transaction_after_reading(world, tmp_path):
    """Reading, matching and de-duplication happen before the transaction; inside it, only writes and
    the key checks that guard against what others stored meanwhile."""
    path = town_xlsx(tmp_path)
    phases: list[tuple[str, bool]] = []
    outside = len(connection.atomic_blocks)  # the test's own transaction

    def progress(phase: str, done: int, total: int | None) -> None:
        phases.append((phase, len(connection.atomic_blocks) > outside))

    summary = ledger_import(path=path, org=world.units["zhouxiang"], progress=progress)
    assert summary.accepted == 3 and summary.batch_id is not None
    assert phases == [("read", False), ("write", True)]


def test_a_second_import_of_the_same_file_is_refused_while_the_first_runs(world, queued, tmp_path):
    client = world.client("reporter")
    path = town_xlsx(tmp_path)
    first = Upload.objects.get(token=post_file(client, path)["Location"].rstrip("/").rsplit("/", 1)[-1])
    second = Upload.objects.get(token=post_file(client, path)["Location"].rstrip("/").rsplit("/", 1)[-1])
    for upload in (first, second):
        upload_preview_run(upload.pk)
    client.post(reverse("ledger:import-confirm", args=[first.token]))
    response = client.post(reverse("ledger:import-confirm", args=[second.token]), follow=True)
    assert "正在导入中" in response.content.decode()
    second.refresh_from_db()
    assert second.state == UploadState.PREVIEWED
    upload_import_run(first.pk)
    client.post(reverse("ledger:import-confirm", args=[second.token]))
    upload_import_run(second.pk)
    second.refresh_from_db()
    assert second.summary["already_imported"] is True
    assert ImportBatch.objects.count() == 1


def test_a_job_whose_worker_died_is_marked_failed(world, queued, tmp_path):
    client = world.client("reporter")
    token = post_file(client, town_xlsx(tmp_path))["Location"].rstrip("/").rsplit("/", 1)[-1]
    upload = Upload.objects.get(token=token)
    import socket

    gone = 2**22 + 12345  # above the default pid_max: no such process
    Upload.objects.filter(pk=upload.pk).update(
        state=UploadState.IMPORTING, worker=f"{socket.gethostname()}:{gone}"
    )
    alive = Upload.objects.create(
        token="x" * 32, user=world.users["reporter"], file_name="a.csv", sha256="b" * 64,
        state=UploadState.PREVIEWING, worker=f"{socket.gethostname()}:{os.getpid()}",
    )  # fmt: skip
    assert uploads_recover() == 1
    upload.refresh_from_db()
    alive.refresh_from_db()
    assert upload.state == UploadState.FAILED and "中断" in upload.error
    assert alive.state == UploadState.PREVIEWING
    page = client.get(reverse("ledger:import-done", args=[token]))
    assert "中断" in page.content.decode()


def test_each_user_keeps_a_bounded_number_of_uploads_waiting(world, queued, tmp_path, settings):
    settings.BANGFU_UPLOAD_PENDING_FILES = 2
    client = world.client("reporter")
    for n in range(2):
        assert post_file(client, town_xlsx(tmp_path, f"台账{n}.xlsx")).status_code == 302
    refused = post_file(client, town_xlsx(tmp_path, "台账9.xlsx"))
    assert refused.status_code == 200
    assert "尚未确认导入" in " ".join(refused.context["form"].errors["file"])
    # Another user is not affected; cancelling one frees a place.
    assert post_file(world.client("coordinator"), town_xlsx(tmp_path, "台账8.xlsx")).status_code == 302
    waiting = Upload.objects.filter(user=world.users["reporter"]).first()
    client.post(reverse("ledger:import-cancel", args=[waiting.token]))
    assert post_file(client, town_xlsx(tmp_path, "台账9.xlsx")).status_code == 302


def test_the_upload_page_lists_unfinished_uploads_to_reopen(world, queued, tmp_path):
    client = world.client("reporter")
    token = post_file(client, town_xlsx(tmp_path))["Location"].rstrip("/").rsplit("/", 1)[-1]
    page = client.get(reverse("ledger:import")).content.decode()
    assert reverse("ledger:import-preview", args=[token]) in page and "正在分析" in page
