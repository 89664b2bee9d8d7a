from __future__ import annotations

import datetime as dt

import pytest

from bangfu.orgs.choices import NameKind, OrgEventKind, OrgKind
from bangfu.orgs.models import Organisation, OrganisationName, OrgGroup
from bangfu.orgs.selectors import group_members, org_name_index, org_subtree_ids
from bangfu.orgs.services import (
    OrgError,
    org_add_name,
    org_close,
    org_create,
    org_merge,
    org_rename,
    org_reopen,
    orgs_load_file,
)
from bangfu.plans.choices import ItemRole as Role
from bangfu.plans.choices import TargetKind
from bangfu.plans.models import Item, Plan, RoleAssignment, Target, Task
from tests.factories import OrganisationFactory, OrgGroupFactory

pytestmark = pytest.mark.django_db

TOWN_LEVEL = {OrgKind.TOWN, OrgKind.STREET, OrgKind.COMMITTEE}


def test_shipped_list_has_the_18_units_with_targets_and_every_department(cixi_orgs):
    town_level = Organisation.objects.filter(kind__in=TOWN_LEVEL)
    assert town_level.count() == 18
    index = org_name_index()
    for name in [
        "周巷镇",
        "龙山镇（滨海区管委会）",
        "滨海区管委会",
        "慈溪高新区管委会",
        "长河镇",
        "白沙路街道",
    ]:
        assert index.resolve(name).found, name
    for name in [
        "市总工会",
        "市商务局",
        "市对口支援办",
        "市财政局",
        "市机关事务管理局",
        "市教育局",
        "市卫生健康局",
        "市国有资产管理中心",
        "市委直属机关工委",
        "市金融发展服务中心",
        "市农业农村局",
        "市工商联",
        "前方工作组",
        "前方工作队",
        "市民政局",
        "市文广旅体局",
        "市农合联执委会（市供销社）",
        "慈溪工贸集团",
        "市市场监督管理局",
        "慈溪农旅集团",
        "市委宣传部",
        "市融媒体中心",
        "市山海协作办",
        "市电商协会（市电商公共服务中心）",
    ]:
        assert index.resolve(name).found, name
    assert index.resolve("前方工作组").key == index.resolve("前方工作队").key
    assert set(OrgGroup.objects.values_list("name", flat=True)) >= {
        "各镇（街道）",
        "各管委会",
        "其他市级各部门",
        "各基层工会",
    }


def test_loading_twice_changes_nothing(cixi_orgs):
    before = (Organisation.objects.count(), OrganisationName.objects.count(), OrgGroup.objects.count())
    from django.conf import settings

    again = orgs_load_file(settings.BASE_DIR / "data" / "cixi_orgs.json")
    assert again.created == [] and again.groups_created == [] and again.names_added == 0
    assert (
        Organisation.objects.count(),
        OrganisationName.objects.count(),
        OrgGroup.objects.count(),
    ) == before


def test_group_members_resolve_from_kinds(cixi_orgs):
    towns = OrgGroup.objects.get(name="各镇（街道）")
    members = set(group_members(towns).values_list("name", flat=True))
    assert len(members) == 17  # every town and street; the committee is not a town
    assert "慈溪高新区管委会" not in members
    committees = set(group_members(OrgGroup.objects.get(name="各管委会")).values_list("name", flat=True))
    assert committees == {"慈溪高新区管委会"}


def test_other_departments_leave_out_the_named_ones(cixi_orgs):
    others = OrgGroup.objects.get(name="其他市级各部门")
    named = Organisation.objects.filter(name__in=["市商务局", "市财政局"])
    members = set(
        group_members(others, exclude_ids=named.values_list("pk", flat=True)).values_list("name", flat=True)
    )
    assert "市商务局" not in members and "市财政局" not in members
    assert "市民政局" in members


def test_group_scope_and_explicit_members():
    town = OrganisationFactory(name="周巷镇", kind=OrgKind.TOWN)
    other_town = OrganisationFactory(name="横河镇", kind=OrgKind.TOWN)
    union_in = OrganisationFactory(name="周巷镇总工会", kind=OrgKind.UNION, parent=town)
    nested = OrganisationFactory(name="某公司工会", kind=OrgKind.UNION, parent=union_in)
    OrganisationFactory(name="横河镇总工会", kind=OrgKind.UNION, parent=other_town)
    extra = OrganisationFactory(name="特邀单位", kind=OrgKind.OTHER)
    group = OrgGroupFactory(kinds=[OrgKind.UNION], scope=town)
    group.members.add(extra)
    assert set(group_members(group)) == {union_in, nested, extra}
    assert org_subtree_ids(town.pk) == {town.pk, union_in.pk, nested.pk}


def test_closed_units_are_not_group_members():
    a = OrganisationFactory(name="甲镇", kind=OrgKind.TOWN)
    b = OrganisationFactory(name="乙镇", kind=OrgKind.TOWN)
    org_close(b, on=dt.date(2022, 6, 30))
    group = OrgGroupFactory(kinds=[OrgKind.TOWN])
    assert list(group_members(group)) == [a]
    org_reopen(b)
    assert set(group_members(group)) == {a, b}


def test_a_spelling_belongs_to_one_unit():
    a = OrganisationFactory(name="市商务局")
    b = OrganisationFactory(name="市经信局")
    with pytest.raises(OrgError, match="已被单位“市商务局”使用"):
        org_add_name(b, name="市 商务局")
    with pytest.raises(OrgError, match="已存在"):
        org_create(name="市商务局")
    assert org_add_name(a, name="市商务局").organisation == a


def test_rename_keeps_the_old_name_as_a_former_name():
    org = OrganisationFactory(name="市卫生局", kind=OrgKind.DEPARTMENT)
    org_rename(org, new_name="市卫生健康局", on=dt.date(2022, 7, 1))
    org.refresh_from_db()
    assert org.name == "市卫生健康局"
    former = org.names.get(name="市卫生局")
    assert former.kind == NameKind.FORMER and former.valid_until == dt.date(2022, 6, 30)
    index = org_name_index()
    assert index.resolve("市卫生局").key == org.pk
    assert index.resolve("慈溪市卫生健康局").key == org.pk
    assert org.events.filter(kind=OrgEventKind.RENAMED).get().detail == {
        "from": "市卫生局",
        "to": "市卫生健康局",
    }


def _plan_with_roles(org: Organisation) -> tuple[RoleAssignment, Target]:
    plan = Plan.objects.create(year=2022, title="测试表")
    task = Task.objects.create(plan=plan, seq=1, name="任务")
    item = Item.objects.create(task=task, seq=1, content="采购对口地区农特产品150万元。")
    role = RoleAssignment.objects.create(
        item=item, role=Role.RESPONSIBLE, organisation=org, name_as_written=org.name
    )
    target = Target.objects.create(item=item, kind=TargetKind.AMOUNT, amount_fen=150_000_000, text="150万元")
    target.orgs.add(org)
    return role, target


def test_merge_moves_names_units_roles_and_targets():
    into = OrganisationFactory(name="浒山街道", kind=OrgKind.STREET)
    source = OrganisationFactory(name="东山街道", kind=OrgKind.STREET)
    child = OrganisationFactory(name="东山街道总工会", kind=OrgKind.UNION, parent=source)
    role, target = _plan_with_roles(source)
    # `into` already has the same role on the item: the duplicate is dropped, not doubled.
    RoleAssignment.objects.create(
        item=role.item, role=Role.RESPONSIBLE, organisation=into, name_as_written="浒山街道"
    )
    group = OrgGroupFactory(kinds=[])
    group.members.add(source, into)

    org_merge(source, into=into, on=dt.date(2022, 9, 1))

    source.refresh_from_db()
    child.refresh_from_db()
    assert not source.active and source.merged_into == into and source.closed_on == dt.date(2022, 9, 1)
    assert child.parent == into
    assert list(target.orgs.all()) == [into]
    assert RoleAssignment.objects.filter(item=role.item).count() == 1
    assert list(group.members.all()) == [into]
    assert org_name_index().resolve("东山街道").key == into.pk
    with pytest.raises(OrgError):
        org_merge(into, into=source)


def test_merge_refuses_itself():
    org = OrganisationFactory()
    with pytest.raises(OrgError):
        org_merge(org, into=org)
