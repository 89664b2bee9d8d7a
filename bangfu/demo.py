"""`bangfu demo`: the seed table, demo units and accounts, a year of monthly ledgers that arrived month by
month through 2022 (each batch stamped with the day it reached the office), contacts, bases, the
scheme, a few activities, records returned for correction, and a reminder — loaded idempotently."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from bangfu.common.files import atomic_write_text
from bangfu.ledger.demo import write_demo_files
from bangfu.ledger.services import ledger_import
from bangfu.orgs.selectors import org_subtree_ids
from bangfu.plans.selectors import plan_get, plan_parse_file
from bangfu.plans.services import plan_import

SEED_TABLE = Path(settings.BASE_DIR) / "data" / "seeds" / "2022年慈溪市消费帮扶工作任务分解表.docx"
SEED_YEAR = 2022


def _credentials_file() -> Path:
    return Path(settings.BANGFU_HOME) / "demo-accounts.json"


def _demo_password(username: str) -> str:
    """Demo passwords are random per installation, kept beside the database, never in the repository."""
    path = _credentials_file()
    known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if username not in known:
        known[username] = secrets.token_urlsafe(9)
        atomic_write_text(path, json.dumps(known, ensure_ascii=False, indent=1), mode=0o600)
    return known[username]


# One account per role: (username, label, role, unit).
DEMO_ACCOUNTS = (
    ("coordinator", "管理员（市对口支援办）", "coordinator", "市对口支援办"),
    ("zhouxiang", "填报员（周巷镇）", "reporter", "周巷镇"),
    ("union-lead", "牵头单位审核员（市总工会）", "lead", "市总工会"),
    ("finance-lead", "牵头单位审核员（市财政局）", "lead", "市财政局"),
    ("leader", "领导（只读）", "leader", None),
)


def demo_accounts_load() -> list[tuple[str, str, str]]:
    from bangfu.accounts.models import Profile
    from bangfu.accounts.services import account_create
    from bangfu.orgs.models import Organisation
    from bangfu.orgs.selectors import org_name_index

    user_model = get_user_model()
    index = org_name_index()
    accounts = []
    for username, label, role, unit in DEMO_ACCOUNTS:
        password = _demo_password(username)
        key = index.resolve(unit).key if unit else None
        organisation = Organisation.objects.get(pk=key) if key is not None else None
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = account_create(
                username=username,
                password=password,
                role=role,
                organisation=organisation,
                full_name=label,
                validate=False,
            )
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
            Profile.objects.update_or_create(user=user, defaults={"role": role, "organisation": organisation})
        accounts.append((label, username, password))
    return accounts


# Units the demo platform export buys for, placed in the jurisdiction tree as an office would.
DEMO_UNITS = (
    ("慈溪市人民医院", "hospital", "市卫生健康局"),
    ("慈溪市人民医院食堂", "canteen", "慈溪市人民医院"),
    ("慈溪中学", "school", "市教育局"),
    ("慈溪中学食堂", "canteen", "慈溪中学"),
    ("市教育局机关食堂", "canteen", "市教育局"),
    ("市财政局机关食堂", "canteen", "市财政局"),
)


def demo_units_load() -> None:
    from bangfu.orgs.models import Organisation
    from bangfu.orgs.selectors import org_name_index
    from bangfu.orgs.services import org_create

    index = org_name_index()
    for name, kind, parent in DEMO_UNITS:
        if index.resolve(name).key is None:
            parent_id = index.resolve(parent).key
            parent_org = Organisation.objects.get(pk=parent_id) if parent_id is not None else None
            created = org_create(name=name, kind=kind, parent=parent_org)
            index.add(created.pk, name)


def demo_bases_load(year: int) -> str:
    """Base values as units report them: unions' gift totals and members, units' canteen budgets; one
    unit without a canteen, one sharing the finance bureau's, a few not reported yet."""
    import random

    from bangfu.orgs.choices import OrgKind
    from bangfu.orgs.models import Organisation, OrgGroup
    from bangfu.orgs.selectors import group_members
    from bangfu.progress.models import BaseValue
    from bangfu.progress.services import base_value_set

    if BaseValue.objects.filter(year=year).exists():
        return "演示基数已在库中"
    saved = 0
    for union in Organisation.objects.filter(kind=OrgKind.UNION):
        rng = random.Random(union.name)
        members = rng.randrange(300, 2500)
        base_value_set(
            organisation=union,
            year=year,
            member_count=members,
            holiday_gift_fen=members * rng.randrange(800, 1500) * 100,
        )
        saved += 1
    canteens = OrgGroup.objects.filter(name="党政机关、学校、医院食堂（餐厅）").first()
    finance = Organisation.objects.filter(name="市财政局").first()
    for unit in group_members(canteens) if canteens else []:
        rng = random.Random(unit.name)
        if unit.name == "市民政局":
            base_value_set(organisation=unit, year=year, no_canteen=True, notes="机关无食堂")
        elif unit.name == "市商务局" and finance is not None:
            base_value_set(
                organisation=unit, year=year, canteen_representative=finance, notes="与市财政局共用食堂"
            )
        elif rng.random() < 0.85:
            base_value_set(
                organisation=unit, year=year, food_budget_fen=rng.randrange(20, 300) * 10_000 * 100
            )
        else:
            continue
        saved += 1
    return f"演示基数 {saved} 个单位（工会慰问品总额和人数、食堂采购预算、无食堂和共用食堂各一例）"


def demo_scheme_load() -> str:
    from bangfu.assessment.models import Scheme
    from bangfu.assessment.services import scheme_load_file

    existing = Scheme.objects.filter(year=SEED_YEAR).first()
    if existing is not None:
        return f"考核办法已在库中：{existing.name}"
    scheme = scheme_load_file(Path(settings.BASE_DIR) / "data" / "assessment_2022.json")
    return f"已载入考核办法：{scheme.name}"


def demo_calendar_load() -> str:
    """The office expects the towns' monthly ledgers by the 5th; the departments' canteen purchases are
    read from the 832 platform's export, and unions and canteens report through their town."""
    from bangfu.ledger.demo import TOWNS
    from bangfu.orgs.models import Organisation
    from bangfu.orgs.selectors import org_name_index
    from bangfu.progress.models import ReportingCalendar
    from bangfu.progress.services import reporting_calendar_set

    plan = plan_get(year=SEED_YEAR)
    if plan is None or ReportingCalendar.objects.filter(plan=plan).exists():
        return "报送日历已在库中"
    index = org_name_index()
    keys = [index.resolve(town).key for town, _target, _share in TOWNS]
    towns = Organisation.objects.filter(pk__in=[key for key in keys if key is not None])
    calendar = reporting_calendar_set(plan=plan, due_day=5, units=towns)
    return f"报送日历：{calendar.units.count()} 个镇（街道、管委会）每月5日前报送上月台账"


def _stamp_arrival(batch_id: int, day: dt.date) -> None:
    """A demo ledger is stamped with the day it reached the office (10:00 that day), not the moment the
    demo ran: the reporting calendar's on-time figures are then those of a real year. Demo data only —
    a real import is stamped when it happens."""
    from django.utils import timezone

    from bangfu.ledger.models import ImportBatch, Purchase

    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    ImportBatch.objects.filter(pk=batch_id).update(created_at=moment)
    Purchase.objects.filter(batch_id=batch_id).update(created_at=moment)


#: Towns whose December ledger still awaits review (the lead reviewers' and the office's queue).
DECEMBER_SUBMITTED = ("周巷镇", "观海卫镇", "横河镇", "长河镇")


def demo_ledgers_load(users: dict[str, Any]) -> Iterator[str]:
    """The demo ledgers, written as files and imported through the real pipeline in the order they
    arrived (idempotent). 周巷镇's are imported by its reporter; the others' by the office's loader."""
    from bangfu.common.money import format_wan
    from bangfu.ledger.choices import RecordStatus
    from bangfu.orgs.models import Organisation

    folder = Path(settings.BANGFU_HOME) / "demo"
    accepted = duplicates = total = 0
    files = write_demo_files(folder)
    zhouxiang = Organisation.objects.filter(name="周巷镇").first()
    for ledger in files:
        own = ledger.town == "周巷镇" and zhouxiang is not None
        waiting = ledger.month == 12 and ledger.town in DECEMBER_SUBMITTED
        summary = ledger_import(
            path=ledger.path,
            year=SEED_YEAR,
            user=users.get("zhouxiang") if own else None,
            org=zhouxiang if own else None,
            within=frozenset(org_subtree_ids(zhouxiang.pk)) if own and zhouxiang else None,
            status=RecordStatus.SUBMITTED if waiting else RecordStatus.APPROVED,
        )
        if summary.batch_id is not None and not summary.already_imported:
            _stamp_arrival(summary.batch_id, ledger.arrived)
        accepted += summary.accepted
        duplicates += summary.duplicates
        total += summary.total_fen
    yield (
        f"演示台账 {len(files)} 个文件（各镇街按月报送，{folder}）：新增采购记录 {accepted} 条，"
        f"合计 {format_wan(total)} 万元；识别重复 {duplicates} 条"
    )


#: Records of 周巷镇's December ledger the office returned for correction, and why.
RETURNED_REASON = "金额与发票不一致，请核对后重新提交。"


def demo_returns_load(users: dict[str, Any]) -> str:
    """A few of 周巷镇's records returned by the office (its reporter's inbox shows them)."""
    from bangfu.ledger.choices import RecordStatus
    from bangfu.ledger.models import Purchase
    from bangfu.ledger.services import purchase_return

    zhouxiang = users.get("zhouxiang")
    office = users.get("coordinator")
    if zhouxiang is None or office is None:
        return "演示退回记录：缺少演示账号，未生成"
    if Purchase.objects.filter(status=RecordStatus.RETURNED).exists():
        return "演示退回记录已在库中"
    picked = list(
        Purchase.objects.filter(batch__created_by=zhouxiang, date__month=12, status=RecordStatus.SUBMITTED)
        .order_by("date", "id")
        .values_list("pk", flat=True)[:3]
    )
    purchase_return(Purchase.objects.filter(pk__in=picked), user=office, comment=RETURNED_REASON)
    return f"演示退回记录 {len(picked)} 条（周巷镇12月台账，{RETURNED_REASON}）"


# (unit, person, phone, e-mail): where the demo units' reminders go.
DEMO_CONTACTS = (
    ("周巷镇", "王建国", "0574-63011234", "zhouxiang@example.gov.cn"),
    ("观海卫镇", "李红", "0574-63021234", "guanhaiwei@example.gov.cn"),
    ("横河镇", "陈伟", "0574-63031234", "henghe@example.gov.cn"),
    ("掌起镇", "张敏", "0574-63041234", "zhangqi@example.gov.cn"),
    ("匡堰镇", "周杰", "13805741234", "kuangyan@example.gov.cn"),
    ("胜山镇", "吴芳", "0574-63051234", "shengshan@example.gov.cn"),
    ("长河镇", "徐强", "0574-63061234", "changhe@example.gov.cn"),
    ("市总工会", "孙丽", "0574-63071234", "union@example.gov.cn"),
    ("市财政局", "郑涛", "0574-63081234", "finance@example.gov.cn"),
)


def demo_contacts_load() -> str:
    from bangfu.notifications.models import UnitContact
    from bangfu.notifications.services import unit_contact_set
    from bangfu.orgs.models import Organisation

    saved = 0
    for name, person, phone, email in DEMO_CONTACTS:
        unit = Organisation.objects.filter(name=name).first()
        if unit is None or UnitContact.objects.filter(unit=unit).exists():
            continue
        unit_contact_set(unit=unit, person=person, phone=phone, emails=email)
        saved += 1
    return f"演示联系方式 {saved} 个单位" if saved else "演示联系方式已在库中"


def demo_activities_load(users: dict[str, Any]) -> str:
    """A few activities: one approved, two awaiting review, one returned to 周巷镇 for correction."""
    from bangfu.activities.models import Activity
    from bangfu.activities.services import activity_create, activity_review
    from bangfu.orgs.models import Organisation

    if Activity.objects.exists():
        return "演示工作记录已在库中"
    units = {o.name: o for o in Organisation.objects.filter(name__in=("周巷镇", "市商务局", "市总工会"))}
    if len(units) < 3:
        return "演示工作记录：缺少演示单位，未生成"
    office = users.get("coordinator")
    fair = activity_create(
        kind="media", organisation=units["市商务局"], title="布拖农特产品慈溪展销周报道", date=dt.date(2022, 9, 20),
        details={"media_type": "报纸", "outlet": "慈溪日报"}, within=None,
    )  # fmt: skip
    activity_review(fair, approve=True, user=office)
    activity_create(
        kind="training", organisation=units["周巷镇"], title="电商直播带货培训", date=dt.date(2022, 11, 15),
        details={"sessions": 1, "trainees": 60, "place": "周巷镇文化礼堂"}, user=users.get("zhouxiang"),
    )  # fmt: skip
    activity_create(
        kind="media", organisation=units["市总工会"], title="工会消费帮扶倡议", date=dt.date(2022, 12, 2),
        details={"media_type": "网站", "outlet": "慈溪市总工会网站"}, user=None, within=None,
    )  # fmt: skip
    returned = activity_create(
        kind="training", organisation=units["周巷镇"], title="农产品电商培训（第二期）", date=dt.date(2022, 12, 8),
        details={"sessions": 1, "trainees": 0}, user=users.get("zhouxiang"),
    )  # fmt: skip
    activity_review(returned, approve=False, user=office)
    return "演示工作记录 4 条（1 条已审核、2 条待审核、1 条已退回）"


def demo_reminders_load(users: dict[str, Any]) -> str:
    """The reminders of November 2022, prepared on 20 November for units behind or silent, and
    recorded as delivered that day (the demo sends nothing)."""
    from django.utils import timezone

    from bangfu.notifications.models import Reminder
    from bangfu.notifications.services import reminder_record_delivered, reminders_prepare

    if Reminder.objects.exists():
        return "演示提醒已在库中"
    plan = plan_get(year=SEED_YEAR)
    if plan is None:
        return "演示提醒：没有任务分解表"
    day = dt.date(2022, 11, 20)
    result = reminders_prepare(plan, as_of=day, issued=day, created_by=users.get("coordinator"))
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    for reminder in result.created:
        reminder_record_delivered(reminder, at=moment)
    return f"演示提醒 {len(result.created)} 条（2022年11月，有联系方式的滞后或未报送单位）"


@transaction.atomic
def demo_load() -> Iterator[str]:
    if plan_get(year=SEED_YEAR) is None:
        result = plan_import(parsed=plan_parse_file(SEED_TABLE), year=SEED_YEAR)
        yield f"已导入种子任务分解表：{result.plan.title}（{result.item_count} 个工作事项、{result.target_count} 个目标）"
    else:
        yield f"种子任务分解表已在库中：{plan_get(year=SEED_YEAR)}"
    demo_units_load()
    accounts = demo_accounts_load()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[a[1] for a in accounts])}
    yield demo_calendar_load()
    yield demo_contacts_load()
    yield from demo_ledgers_load(users)
    yield demo_returns_load(users)
    yield demo_bases_load(SEED_YEAR)
    yield demo_scheme_load()
    yield demo_activities_load(users)
    yield demo_reminders_load(users)
    yield "演示账号（密码保存在 " + str(_credentials_file()) + "）："
    for label, username, password in accounts:
        yield f"  {label:<16} 用户名 {username:<13} 密码 {password}"
