"""The audit trail as office staff read it: one entry per import and review step with its counts,
Chinese names, values as users know them, filters by unit, user and kind."""

from __future__ import annotations

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from bangfu.ledger.models import Purchase
from bangfu.ledger.services import ledger_import, purchase_approve, purchase_return
from bangfu.orgs.models import Organisation
from bangfu.plans.parsing import parse_table
from bangfu.plans.services import plan_import
from bangfu.progress.services import base_value_set
from tests.ledger.builders import write_csv
from tests.test_cli import SEED_DOCX

pytestmark = pytest.mark.django_db

ROWS = [
    ["采购单位", "日期", "金额", "产地"],
    ["周巷镇新单位甲", "2022-04-01", "100", "布拖"],
    ["周巷镇", "2022-04-02", "50.5", "布拖"],
    ["", "", "x", ""],
]


def kinds() -> list[str]:
    return [e.additional_data.get("kind") for e in LogEntry.objects.order_by("id") if e.additional_data]


def test_an_import_is_one_entry_with_its_counts(cixi_orgs, make_user, tmp_path, client):
    coordinator = make_user("coordinator")
    before = LogEntry.objects.count()
    summary = ledger_import(
        path=write_csv(tmp_path / "周巷镇4月.csv", ROWS),
        org=Organisation.objects.get(name="周巷镇"),
        user=coordinator,
    )
    assert summary.accepted == 2 and summary.created_orgs  # it created a unit …
    assert LogEntry.objects.count() == before + 1  # … and still wrote one entry
    entry = LogEntry.objects.latest("id")
    assert entry.additional_data["kind"] == "ledger_import" and entry.actor == coordinator
    assert (
        entry.additional_data["counts"]["accepted"] == 2
        and entry.additional_data["counts"]["units_created"] == 1
    )
    client.force_login(coordinator)
    html = client.get(reverse("audit:list")).content.decode()
    assert "导入台账" in html and "新增记录 2" in html and "新建单位 1" in html and "周巷镇4月.csv" in html


def test_a_plan_import_is_one_entry(cixi_orgs):
    before = LogEntry.objects.count()
    plan_import(parsed=parse_table(SEED_DOCX))
    assert LogEntry.objects.count() == before + 1
    entry = LogEntry.objects.latest("id")
    assert entry.additional_data["kind"] == "plan_import"
    assert entry.additional_data["counts"]["items"] == 17


def test_approvals_and_returns_are_in_it(cixi_orgs, make_user, tmp_path):
    reviewer = make_user("coordinator")
    ledger_import(
        path=write_csv(tmp_path / "a.csv", ROWS),
        org=Organisation.objects.get(name="周巷镇"),
        status="submitted",
    )
    first, second = Purchase.objects.order_by("id")
    purchase_approve(Purchase.objects.filter(pk=first.pk), user=reviewer)
    purchase_return(Purchase.objects.filter(pk=second.pk), user=reviewer, comment="金额有误")
    assert kinds()[-2:] == ["records_approve", "records_return"]
    returned = LogEntry.objects.latest("id")
    assert (
        "金额有误" in returned.object_repr
        and returned.additional_data["unit_id"] == Organisation.objects.get(name="周巷镇").pk
    )


def test_values_read_as_users_know_them(cixi_orgs, make_user, client):
    coordinator = make_user("coordinator")
    union = Organisation.objects.create(name="周巷镇甲工会", kind="union")
    with set_actor(coordinator):
        base_value_set(organisation=union, year=2022, holiday_gift_fen=123_456_78, member_count=100)
        union.parent = Organisation.objects.get(name="周巷镇")
        union.save()
    client.force_login(coordinator)
    response = client.get(reverse("audit:list"))
    html = response.content.decode()
    rows = response.context["rows"]
    assert rows[0].action == "修改" and rows[0].what == "单位"
    assert any(c.after == "周巷镇" for c in rows[0].changes)  # a name, not an id
    base = next(r for r in rows if r.what == "基数")
    assert any(c.after == "123,456.78 元" for c in base.changes)
    assert "update" not in html and "create" not in html and "organisation_id" not in html
    stamp = timezone.localtime(rows[0].entry.timestamp)
    assert stamp.strftime("%Y-%m-%d %H:%M:%S") in html and f"{stamp:%S}.{stamp.microsecond:06d}" not in html


def test_filters_by_unit_user_and_kind(cixi_orgs, make_user, tmp_path, client):
    coordinator, other = make_user("coordinator"), make_user("coordinator")
    ledger_import(
        path=write_csv(tmp_path / "z.csv", ROWS),
        org=Organisation.objects.get(name="周巷镇"),
        user=coordinator,
    )
    rows_h = [["采购单位", "日期", "金额", "产地"], ["横河镇", "2022-05-01", "10", "布拖"]]
    ledger_import(
        path=write_csv(tmp_path / "h.csv", rows_h), org=Organisation.objects.get(name="横河镇"), user=other
    )
    client.force_login(coordinator)

    def objects(**query) -> set[str]:
        return {row.obj for row in client.get(reverse("audit:list"), query).context["rows"]}

    zhouxiang = Organisation.objects.get(name="周巷镇").pk
    by_unit = objects(unit=zhouxiang, kind="ledger_import")
    assert any("z.csv" in o for o in by_unit) and not any("h.csv" in o for o in by_unit)
    by_user = objects(actor=other.username)
    assert any("h.csv" in o for o in by_user) and not any("z.csv" in o for o in by_user)
    assert objects(kind="plan_import") == set()
