"""Saving a parsed table: what it reports, and replacing a year's table without losing what hangs on it."""

from __future__ import annotations

import datetime as dt

import pytest

from bangfu.activities.models import Activity
from bangfu.activities.services import activity_create
from bangfu.orgs.models import Organisation, OrgGroup
from bangfu.plans.models import Item, RoleAssignment, Target
from bangfu.plans.selectors import plan_known_names, plan_parse_file, plan_replacement
from bangfu.plans.services import YEAR_TAKEN, PlanImportError, plan_import
from bangfu.progress.models import BaseValue, TargetRule
from bangfu.progress.services import base_value_set, progress_rules_ensure
from tests.plans.fixtures import edited_seed, write
from tests.plans.test_parsing_written_roles import TABLE_F, TABLE_G
from tests.support.world import SEED_DOCX, SEED_TXT

pytestmark = pytest.mark.django_db

CANTEENS = "党政机关、学校、医院食堂（餐厅）"


def test_known_names_are_the_names_with_separators(cixi_orgs):
    known = plan_known_names()
    assert CANTEENS in known and "各镇、街道" in known
    assert "市总工会" not in known


def test_a_group_listed_in_a_unit_cell_is_one_group(cixi_orgs, tmp_path):
    result = plan_import(parsed=plan_parse_file(write(tmp_path, TABLE_G, "xls"), default_year=2024))
    canteens = Item.objects.get(task__seq=1, seq=2)
    responsible = canteens.roles.filter(role="responsible").order_by("position")
    assert [(r.group.name if r.group else r.organisation.name) for r in responsible] == [CANTEENS, "市教育局"]
    assert list(canteens.targets.get().groups.values_list("name", flat=True)) == [CANTEENS]
    assert result.created_orgs == []
    assert not Organisation.objects.filter(name__in=["党政机关", "学校", "医院食堂（餐厅）"]).exists()


def test_import_reports_items_without_units_and_what_it_inferred(cixi_orgs, tmp_path):
    result = plan_import(parsed=plan_parse_file(write(tmp_path, TABLE_F, "docx")))
    assert result.warnings == [
        "事项4.1（表格2第3行）：未识别出牵头、责任或配合单位，请核对并补充",
        "事项4.1（表格2第3行）：目标“开展电商培训2期”未识别出适用单位，请核对并补充",
    ]
    assert len(result.inferred) == 3
    assert Item.objects.filter(task__plan=result.plan).count() == 4  # the continued rows joined their items


# -- replacing -----------------------------------------------------------------------------------------


@pytest.fixture
def seeded(cixi_orgs):
    plan = plan_import(parsed=plan_parse_file(SEED_DOCX)).plan
    progress_rules_ensure(plan)
    town_rule = TargetRule.objects.get(target__item__task__seq=2, target__item__seq=2)
    town_rule.origin = "any"  # an office's own choice, which must survive the replacement
    town_rule.save()
    commerce = Organisation.objects.get(name="市商务局")
    for code in ((4, 1), (6, 1)):
        activity_create(
            kind="event",
            organisation=commerce,
            item=Item.objects.get(task__plan=plan, task__seq=code[0], seq=code[1]),
            title=f"展销会{code}",
            date=dt.date(2022, 5, 1),
            details={"event_type": "展销会", "place": "慈溪"},
        )
    base_value_set(organisation=Organisation.objects.get(name="市教育局"), year=2022, no_canteen=True)
    return plan


def _codes_of_activities() -> list[str]:
    return sorted(
        (a.item.code if a.item else None) or "" for a in Activity.objects.select_related("item__task")
    )


def test_replacing_with_the_same_table_keeps_everything(seeded):
    rules = TargetRule.objects.count()
    result = plan_import(parsed=plan_parse_file(SEED_TXT), replace=True)
    assert result.replaced and result.detached == []
    assert result.kept == {"工作记录": 2, "统计口径": rules}
    assert _codes_of_activities() == ["4.1", "6.1"]
    assert TargetRule.objects.count() == rules
    assert TargetRule.objects.get(target__item__task__seq=2, target__item__seq=2).origin == "any"
    assert not TargetRule.objects.filter(target__item__task__seq__gte=1000).exists()
    assert BaseValue.objects.get(organisation__name="市教育局").no_canteen
    assert Item.objects.count() == 17 and not Item.objects.filter(task__seq__gte=1000).exists()


def test_replacing_lists_and_detaches_only_what_has_no_match(seeded, tmp_path):
    parsed = plan_parse_file(edited_seed(tmp_path))
    preview = plan_replacement(seeded, parsed)
    expected = ["事项6.1“将消费帮扶纳入年度东西部协作、对口帮扶工作计划，…”：1 条工作记录将不再属于任何事项"]
    assert preview.detached == expected
    with pytest.raises(PlanImportError) as refused:
        plan_import(parsed=parsed)
    assert refused.value.reason == YEAR_TAKEN and "--replace" not in str(refused.value)

    result = plan_import(parsed=parsed, replace=True)
    assert result.detached == expected
    assert _codes_of_activities() == ["", "4.1"]
    town = Target.objects.get(item__task__seq=2, item__seq=2)
    assert town.amount_fen == 350_000_000 and town.rule.origin == "any"  # same item, corrected value
    assert Activity.objects.count() == 2  # detached, not deleted


def test_replacing_does_not_leave_old_rows_behind(seeded, tmp_path):
    counts = (Item.objects.count(), Target.objects.count(), RoleAssignment.objects.count())
    plan_import(parsed=plan_parse_file(edited_seed(tmp_path)), replace=True)
    assert (Item.objects.count(), Target.objects.count(), RoleAssignment.objects.count()) == counts
    assert OrgGroup.objects.filter(name=CANTEENS).get().targets.count() == 1
