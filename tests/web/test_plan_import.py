"""The coordinator's plan import: upload → review and correct → save."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bangfu.orgs.models import Organisation
from bangfu.plans.models import Item, Plan, PlanDraft, Target
from tests.support.world import SEED_DOCX

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(client, cixi_orgs, make_user):
    client.force_login(make_user("coordinator"))
    return client


def upload(client, path=SEED_DOCX, name=None):
    data = SimpleUploadedFile(name or path.name, path.read_bytes())
    return client.post(reverse("plans:import"), {"file": data})


def form_data(page) -> dict[str, list[str]]:
    """Every field of the review form as a browser posts it back unchanged: read from the page's HTML
    (ticked boxes, selected options, text boxes — a textarea without its leading line break)."""
    import lxml.html

    document = lxml.html.fromstring(page.content.decode())
    (form,) = document.xpath('//form[contains(@class, "review")]')
    textareas = set(form.xpath(".//textarea/@name"))
    data: dict[str, list[str]] = {}
    for name, value in form.form_values():
        if name in textareas and value.startswith("\n"):
            value = value[1:]
        data.setdefault(name, []).append(value)
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

    data = form_data(page)
    data["i1-1-g0-value"] = ["3500000"]  # correct 2.2's amount: 300万 → 350万
    data["i5-0-new-kind"] = ["count"]  # add a target the parser could not see
    data["i5-0-new-value"] = ["2"]
    data["i5-0-new-unit"] = ["项"]
    data["i5-0-new-orgs"] = ["市对口支援办"]
    data["i5-0-new-scope"] = ["each"]
    data["confirm"] = ["1"]
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
    data = form_data(page)
    data["i0-0-g0-value"] = ["120%"]  # a ratio over 100 %
    data["confirm"] = ["1"]
    response = coordinator.post(draft_url, data)
    assert response.status_code == 200 and "比例应在 0 到 100% 之间" in response.content.decode()
    assert not Plan.objects.exists()


def test_unreadable_upload_and_wrong_type(coordinator, tmp_path):
    bad = tmp_path / "坏表.docx"
    bad.write_bytes(b"not a word file")
    response = upload(coordinator, bad)
    assert response.status_code == 200 and "坏表.docx" in response.content.decode()
    exe = tmp_path / "x.exe"
    exe.write_bytes(b"MZ")
    assert "只接受" in upload(coordinator, exe).content.decode()


UNKNOWN_UNIT_TABLE = (
    "2023年某县消费帮扶任务分解表\n\t序号\n\t工作任务\n\t工作内容\n\t责任单位\n"
    "\t1\n\t采购\n\t采购对口地区农特产品100万元。\n\t责任单位：甲镇\n"
)


def test_unknown_units_are_announced_and_created_for_review(coordinator, tmp_path):
    table = tmp_path / "2023年表.txt"
    table.write_text(UNKNOWN_UNIT_TABLE, encoding="utf-8")
    page = coordinator.get(upload(coordinator, table)["Location"])
    assert "甲镇 → 新建单位（待核实）" in page.content.decode()
    data = form_data(page) | {"confirm": ["1"]}
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
        response = coordinator.post(url, form_data(page) | {"confirm": ["1"]}, follow=True)
        assert response.redirect_chain
    assert "2022年已导入过同一份任务分解表，内容未变。" in response.content.decode()
    assert Plan.objects.count() == 1 and not PlanDraft.objects.exists()


# -- unit lists are lists ------------------------------------------------------------------------------

CANTEENS = "党政机关、学校、医院食堂（餐厅）"


def test_a_group_name_is_one_ticked_box_and_stays_one_group(coordinator):
    url = upload(coordinator)["Location"]
    page = coordinator.get(url)
    html = page.content.decode()
    assert f'name="i1-0-g0-orgs" value="{CANTEENS}" checked' in html
    data = form_data(page)
    assert data["i1-0-g0-orgs"] == [CANTEENS, ""]  # the ticked group and the empty search box
    assert coordinator.post(url, data | {"confirm": ["1"]}).status_code == 302
    target = Target.objects.get(item__task__seq=2, item__seq=1)
    assert list(target.groups.values_list("name", flat=True)) == [CANTEENS] and not target.orgs.exists()
    assert not Organisation.objects.filter(needs_review=True).exists()


def test_units_are_removed_by_unticking_and_added_from_the_known_ones(coordinator):
    url = upload(coordinator)["Location"]
    data = form_data(coordinator.get(url))
    data["i0-0-cooperating"] = ["市商务局", ""]  # untick all the others
    data["i3-2-responsible"] = [CANTEENS]  # a known group, typed with its "、"
    data["i5-0-lead"] = ["市对口支援办", "各镇、街道"]  # an alias of 各镇（街道）
    response = coordinator.post(url, data | {"confirm": ["1"]})
    assert response.status_code == 302, response.content.decode()[:2000]
    first = Item.objects.get(task__seq=1, seq=1)
    assert [r.name_as_written for r in first.roles.filter(role="cooperating")] == ["市商务局"]
    publicity = Item.objects.get(task__seq=4, seq=3)
    assert [r.group.name for r in publicity.roles.filter(role="responsible")] == [CANTEENS]
    lead = Item.objects.get(task__seq=6, seq=1).roles.filter(role="lead").order_by("position")
    assert [r.subject.name for r in lead] == ["市对口支援办", "各镇（街道）"]


def test_a_name_added_by_hand_must_be_a_known_unit_or_group(coordinator):
    url = upload(coordinator)["Location"]
    data = form_data(coordinator.get(url))
    data["i5-0-lead"] = ["市对口支援办", "党政机关、学校"]
    data["i1-1-g0-orgs"] = ["周巷镇", "不存在的镇"]
    response = coordinator.post(url, data | {"confirm": ["1"]})
    html = response.content.decode()
    assert response.status_code == 200 and not Plan.objects.exists()
    assert "未找到单位或单位组：党政机关、学校。" in html and "未找到单位或单位组：不存在的镇。" in html


def test_suggestions_offer_groups_for_the_review(coordinator):
    response = coordinator.get(reverse("unit-suggest"), {"field": "x", "x": "食堂", "groups": "1"})
    assert f'<option value="{CANTEENS}">单位组：{CANTEENS}</option>' in response.content.decode()
    plain = coordinator.get(reverse("unit-suggest"), {"field": "x", "x": "食堂"})
    assert "单位组" not in plain.content.decode()


# -- what the table lacks is marked --------------------------------------------------------------------


def test_items_without_units_are_marked_red_with_their_warnings(coordinator, tmp_path):
    from tests.plans.fixtures import write
    from tests.plans.test_parsing_written_roles import TABLE_F

    page = coordinator.get(upload(coordinator, write(tmp_path, TABLE_F, "xlsx"))["Location"])
    html = page.content.decode()
    assert "有 2 处未能识别" in html
    # what needs attention: open, in red, and listed at the top with a link; the rest folded
    assert '<details class="card item has-warnings" id="item-4.1" open>' in html
    assert '<details class="card item" id="item-1.1">' in html
    top = html.index('id="attention"')
    assert top < html.index('id="item-1.1"') and html.index('href="#item-4.1"') > top
    assert "未识别出牵头、责任或配合单位，请核对并补充" in html
    assert "没有序号，文字接续上一行（跨页断行），已并入本事项" in html  # inferred, and said so
    assert 'class="target no-orgs"' in html


def test_ratios_are_typed_as_percent_and_stored_exactly(coordinator):
    from decimal import Decimal

    from bangfu.plans.models import Target

    draft_url = upload(coordinator)["Location"]
    page = coordinator.get(draft_url)
    data = form_data(page)
    assert data["i0-0-g0-value"] == ["20%"]  # the unions' 20 % of their holiday gifts, shown as a percent
    data["i0-0-g0-value"] = ["12.5"]  # typed without the sign: still a percent
    data["confirm"] = ["1"]
    assert coordinator.post(draft_url, data).status_code == 302
    ratio = Target.objects.get(item__task__seq=1, item__seq=1, kind="ratio")
    assert ratio.value == Decimal("0.125")


# -- replacing a year's table --------------------------------------------------------------------------


def test_replacing_lists_what_would_be_detached_before_confirming(coordinator, tmp_path):
    import datetime as dt

    from bangfu.activities.services import activity_create
    from bangfu.plans.selectors import plan_parse_file
    from bangfu.plans.services import plan_import
    from tests.plans.fixtures import edited_seed

    plan_import(parsed=plan_parse_file(SEED_DOCX))
    for task, seq in ((6, 1), (4, 1)):
        activity_create(
            kind="event",
            organisation=Organisation.objects.get(name="市对口支援办"),
            item=Item.objects.get(task__seq=task, seq=seq),
            title="展销会",
            date=dt.date(2022, 5, 1),
            details={"event_type": "展销会", "place": "慈溪"},
        )
    url = upload(coordinator, edited_seed(tmp_path))["Location"]
    page = coordinator.get(url)
    html = page.content.decode()
    assert "2022年已有任务分解表" in html and "替换后将脱钩" in html and "1 条工作记录" in html
    assert (
        "事项6.1“将消费帮扶纳入年度东西部协作、对口帮扶工作计划，…”：1 条工作记录将不再属于任何事项" in html
    )

    refused = coordinator.post(url, form_data(page) | {"confirm": ["1"]}, follow=True)
    text = refused.content.decode()
    assert "勾选“替换该年度已有的任务分解表”" in text and "--replace" not in text and "命令行" not in text

    replaced = coordinator.post(url, form_data(page) | {"confirm": ["1"], "replace": ["on"]}, follow=True)
    text = replaced.content.decode()
    assert "已随对应的事项和目标保留" in text and "已脱钩" in text
    assert Item.objects.get(task__seq=6, seq=1).content == "组织开展年度评比表彰。"
