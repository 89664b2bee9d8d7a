"""The URL × role matrix's world (used by ``test_url_matrix`` and ``test_hardening``), a shared layer on
the seed plan with its rules."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

from bangfu.plans.models import Plan
from bangfu.plans.parsing import parse_table
from tests.factories import UserFactory
from tests.support.layers import layer, layer_value
from tests.support.world import SEED_DOCX, org


@layer("matrix_world", on="ruled_plan")
def _build_matrix_world(request) -> dict[str, Any]:
    """One object of each kind inside and outside the scope of 周巷镇's reporter and union lead, and one
    account per role (the files under their own media folder)."""
    media = request.getfixturevalue("tmp_path_factory").mktemp("matrix")
    with override_settings(MEDIA_ROOT=media / "media"):
        built = _build(media)
    built["media"] = media / "media"
    return built


def _build(tmp_path: Path) -> dict[str, Any]:
    from bangfu.activities.services import activity_create, evidence_add
    from bangfu.assessment.services import scheme_load_file, score_publish
    from bangfu.ledger.services import ledger_import, purchase_create
    from bangfu.notifications.models import Reminder
    from bangfu.orgs.choices import OrgKind
    from bangfu.orgs.models import Organisation
    from bangfu.orgs.services import org_create
    from bangfu.plans.models import Target
    from bangfu.plans.services import plan_draft_create
    from tests.ledger.builders import write_csv

    plan = Plan.objects.get(year=2022)
    zhouxiang, henghe = Organisation.objects.get(name="周巷镇"), Organisation.objects.get(name="横河镇")
    zx_union = org_create(name="周巷镇总工会", kind=OrgKind.UNION, parent=zhouxiang)
    w: dict[str, Any] = {"zhouxiang": zhouxiang, "henghe": henghe, "zx_union": zx_union}
    # Objects "inside" belong to 周巷镇's union: in the scope of 周巷镇's reporter and of the union lead.
    w["p_in"] = purchase_create(
        purchaser=zx_union, date=dt.date(2022, 3, 1), amount_fen=100_00, origin="布拖", status="submitted"
    )
    w["p_draft"] = purchase_create(
        purchaser=zx_union, date=dt.date(2022, 3, 2), amount_fen=200_00, origin="布拖"
    )
    w["p_out"] = purchase_create(
        purchaser=henghe, date=dt.date(2022, 3, 1), amount_fen=300_00, origin="布拖", status="submitted"
    )
    rows = [
        ["采购单位", "日期", "金额", "产地"],
        ["", "2022-04-01", "x", "布拖"],
        ["", "2022-04-02", "50", "布拖"],
    ]
    w["b_in"] = __import__("bangfu.ledger.models", fromlist=["ImportBatch"]).ImportBatch.objects.get(
        pk=ledger_import(
            path=write_csv(tmp_path / "周巷镇.csv", rows), org=zx_union, status="submitted"
        ).batch_id
    )
    rows_out = [
        ["采购单位", "日期", "金额", "产地"],
        ["", "2022-04-01", "y", "布拖"],
        ["", "2022-04-03", "60", "布拖"],
    ]
    w["b_out"] = __import__("bangfu.ledger.models", fromlist=["ImportBatch"]).ImportBatch.objects.get(
        pk=ledger_import(
            path=write_csv(tmp_path / "横河镇.csv", rows_out), org=henghe, status="submitted"
        ).batch_id
    )
    from bangfu.ledger.models import PurchaseFlag

    for key, purchase in (("flag_in", w["p_in"]), ("flag_out", w["p_out"])):
        w[key] = PurchaseFlag.objects.create(purchase=purchase, kind="amount", message="单笔金额异常")
    w["town_target"] = Target.objects.get(item__task__seq=2, item__seq=2)
    w["town_target_hh"] = Target.objects.get(item__task__seq=2, item__seq=3)
    w["union_target"] = Target.objects.get(item__task__seq=1, item__seq=1, kind="ratio")
    w["union_lead_unit"] = Organisation.objects.get(name="市总工会")
    details = {"media_type": "报纸", "outlet": "慈溪日报"}
    w["a_in"] = activity_create(
        kind="media", organisation=zx_union, title="报道", date=dt.date(2022, 4, 1), details=details
    )
    w["a_out"] = activity_create(
        kind="media", organisation=henghe, title="报道", date=dt.date(2022, 4, 1), details=details
    )
    pdf = b"%PDF-1.4\n%%EOF\n"
    w["e_in"] = evidence_add(name="a.pdf", content=pdf, user=None, activity=w["a_in"])
    w["e_out"] = evidence_add(name="b.pdf", content=pdf, user=None, activity=w["a_out"])
    w["draft"] = plan_draft_create(parsed=parse_table(SEED_DOCX))
    w["scheme"] = scheme_load_file(django_settings.BASE_DIR / "data" / "assessment_2022.json")
    w["run"] = score_publish(w["scheme"], as_of=dt.date(2022, 6, 30))
    for key, unit in (("reminder_in", zx_union), ("reminder_out", henghe)):
        w[key] = Reminder.objects.create(
            plan=plan, period="2022-06", unit=unit, channel="email", recipient=f"{unit.pk}@example.gov.cn",
            reason="behind", subject="提醒", body="请报送", as_of=dt.date(2022, 6, 30),
        )  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile

    w["upload"] = lambda: SimpleUploadedFile("台账.csv", "采购单位,日期,金额\n,2022-05-01,10\n".encode("gbk"))
    w["users"] = {  # named as ``make_user`` names them
        "coordinator": UserFactory(username="coordinator1", role="coordinator"),
        "reporter": UserFactory(username="reporter2", role="reporter", organisation=zhouxiang),
        "lead": UserFactory(username="lead3", role="lead", organisation=org("市总工会")),
        "leader": UserFactory(username="leader4", role="leader"),
    }
    return w


@pytest.fixture
def matrix_world(db, request, settings) -> dict[str, Any]:
    built = copy.deepcopy(layer_value(request, "matrix_world"))
    settings.MEDIA_ROOT = built.pop("media")
    settings.BANGFU_PROGRESS_CACHE_SECONDS = 0
    return built
