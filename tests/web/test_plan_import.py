"""The coordinator's plan import: upload → review and correct → save."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bangfu.orgs.models import Organisation
from bangfu.plans.models import Plan, PlanDraft, Target
from tests.test_cli import SEED_DOCX

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(client, cixi_orgs, make_user):
    client.force_login(make_user("coordinator"))
    return client


def upload(client, path=SEED_DOCX, name=None):
    data = SimpleUploadedFile(name or path.name, path.read_bytes())
    return client.post(reverse("plans:import"), {"file": data})


def form_data(page_context) -> dict[str, str]:
    """Every field of the review page as the browser would post it back unchanged."""
    data: dict[str, str] = {"year": page_context["year"]}
    for row in page_context["rows"]:
        forms = [row.form, *(form for _t, form in row.targets), row.new_target]
        for form in forms:
            for field in form:
                value = field.value()
                if value in (None, False):
                    continue
                data[field.html_name] = "on" if value is True else str(value)
    return data


def test_only_the_coordinator_imports_plans(client, cixi_orgs, make_user):
    for role, unit in (("reporter", "周巷镇"), ("lead", "市总工会"), ("leader", None)):
        client.force_login(make_user(role, unit))
        assert client.get(reverse("plans:import")).status_code == 403
        assert upload(client).status_code == 403
    client.logout()
    assert client.get(reverse("plans:import")).status_code == 302


def test_upload_review_and_save(coordinator):
    response = upload(coordinator)
    draft = PlanDraft.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("plans:review", args=[draft.token])
    page = coordinator.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "2.2" in html and "龙山镇（滨海区管委会）" in html and "单位组：各基层工会" in html
    assert not Plan.objects.exists()  # nothing saved before confirming

    data = form_data(page.context)
    data["i1-1-g0-value"] = "3500000"  # correct 2.2's amount: 300万 → 350万
    data["i5-0-new-kind"] = "count"  # add a target the parser could not see
    data["i5-0-new-value"] = "2"
    data["i5-0-new-unit"] = "项"
    data["i5-0-new-orgs"] = "市对口支援办"
    data["i5-0-new-scope"] = "each"
    data["confirm"] = "1"
    saved = coordinator.post(reverse("plans:review", args=[draft.token]), data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    plan = Plan.objects.get(year=2022)
    assert (
        Target.objects.filter(item__task__plan=plan, item__task__seq=2, item__seq=2).get().amount_fen
        == 350_000_000
    )
    added = Target.objects.get(item__task__seq=6, item__seq=1)
    assert (
        added.kind == "count"
        and added.count == 2
        and list(added.orgs.values_list("name", flat=True)) == ["市对口支援办"]
    )
    assert not PlanDraft.objects.exists()
    # The corrected table is not the file: importing the file itself later is not "unchanged".
    assert plan.source_sha256 != ""


def test_invalid_corrections_are_shown_not_saved(coordinator):
    draft_url = upload(coordinator)["Location"]
    page = coordinator.get(draft_url)
    data = form_data(page.context)
    data["i0-0-g0-value"] = "20"  # a ratio of 2000 %
    data["confirm"] = "1"
    response = coordinator.post(draft_url, data)
    assert response.status_code == 200 and "0 到 1 之间的小数" in response.content.decode()
    assert not Plan.objects.exists()


def test_unreadable_upload_and_wrong_type(coordinator, tmp_path):
    bad = tmp_path / "坏表.docx"
    bad.write_bytes(b"not a word file")
    response = upload(coordinator, bad)
    assert response.status_code == 200 and "坏表.docx" in response.content.decode()
    exe = tmp_path / "x.exe"
    exe.write_bytes(b"MZ")
    assert "只接受" in upload(coordinator, exe).content.decode()


def test_unknown_units_are_announced_and_created_for_review(coordinator, tmp_path):
    table = tmp_path / "2023年表.txt"
    table.write_text(
        "2023年某县消费帮扶任务分解表\n\t序号\n\t工作任务\n\t工作内容\n\t责任单位\n"
        "\t1\n\t采购\n\t采购对口地区农特产品100万元。\n\t责任单位：甲镇\n",
        encoding="utf-8",
    )
    page = coordinator.get(upload(coordinator, table)["Location"])
    assert "甲镇 → 新建单位（待核实）" in page.content.decode()
    data = form_data(page.context) | {"confirm": "1"}
    coordinator.post(page.wsgi_request.path, data)
    assert Organisation.objects.get(name="甲镇").needs_review


def test_discard(coordinator):
    url = upload(coordinator)["Location"]
    token = PlanDraft.objects.get().token
    assert coordinator.post(reverse("plans:discard", args=[token])).status_code == 302
    assert not PlanDraft.objects.exists() and coordinator.get(url).status_code == 404


def test_confirming_the_same_table_again_changes_nothing(coordinator):
    for _attempt in range(2):
        url = upload(coordinator)["Location"]
        page = coordinator.get(url)
        response = coordinator.post(url, form_data(page.context) | {"confirm": "1"})
        assert response.status_code == 302
    assert Plan.objects.count() == 1 and not PlanDraft.objects.exists()
