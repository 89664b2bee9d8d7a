"""`bangfu demo`: the seed table and demo accounts, loaded idempotently. Later issues add demo data."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from bangfu.common.files import atomic_write_text
from bangfu.ledger.demo import write_demo_files
from bangfu.ledger.services import ledger_import
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


def demo_ledgers_load() -> Iterator[str]:
    """The demo ledgers, written as files and imported through the real pipeline (idempotent)."""
    from bangfu.common.money import format_wan

    folder = Path(settings.BANGFU_HOME) / "demo"
    accepted = duplicates = total = 0
    files = write_demo_files(folder)
    for path in files:
        summary = ledger_import(path=path, year=SEED_YEAR)
        accepted += summary.accepted
        duplicates += summary.duplicates
        total += summary.total_fen
    yield (
        f"演示台账 {len(files)} 个文件（{folder}）：新增采购记录 {accepted} 条，合计 {format_wan(total)} 万元；"
        f"识别重复 {duplicates} 条"
    )


@transaction.atomic
def demo_load() -> Iterator[str]:
    if plan_get(year=SEED_YEAR) is None:
        result = plan_import(parsed=plan_parse_file(SEED_TABLE), year=SEED_YEAR)
        yield f"已导入种子任务分解表：{result.plan.title}（{result.item_count} 个工作事项、{result.target_count} 个目标）"
    else:
        yield f"种子任务分解表已在库中：{plan_get(year=SEED_YEAR)}"
    demo_units_load()
    yield from demo_ledgers_load()
    yield demo_bases_load(SEED_YEAR)
    yield demo_scheme_load()
    yield "演示账号（密码保存在 " + str(_credentials_file()) + "）："
    for label, username, password in demo_accounts_load():
        yield f"  {label:<16} 用户名 {username:<13} 密码 {password}"
