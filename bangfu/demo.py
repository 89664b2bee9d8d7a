"""`bangfu demo`: the seed table and demo accounts, loaded idempotently. Later issues add demo data."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from bangfu.ledger.demo import write_demo_files
from bangfu.ledger.services import ledger_import
from bangfu.plans.parsing import parse_table
from bangfu.plans.selectors import plan_get
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
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(known, ensure_ascii=False, indent=1), encoding="utf-8")
    return known[username]


def demo_accounts_load() -> list[tuple[str, str, str]]:
    user_model = get_user_model()
    accounts = []
    for username, label in (("coordinator", "管理员（市对口支援办）"),):
        password = _demo_password(username)
        user, _created = user_model.objects.get_or_create(username=username)
        user.is_staff = user.is_superuser = True
        user.first_name = label
        user.set_password(password)
        user.save()
        accounts.append((label, username, password))
    return accounts


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
        result = plan_import(parsed=parse_table(SEED_TABLE), year=SEED_YEAR)
        yield f"已导入种子任务分解表：{result.plan.title}（{result.item_count} 个工作事项、{result.target_count} 个目标）"
    else:
        yield f"种子任务分解表已在库中：{plan_get(year=SEED_YEAR)}"
    yield from demo_ledgers_load()
    yield "演示账号（密码保存在 " + str(_credentials_file()) + "）："
    for label, username, password in demo_accounts_load():
        yield f"  {label}：用户名 {username}  密码 {password}"
