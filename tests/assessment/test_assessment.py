"""Schemes applied to real data: hand-computed totals, ranks, explanations, frozen publication."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.conf import settings

from bangfu.assessment.models import IndicatorScore, Scheme, UnitScore
from bangfu.assessment.selectors import assessment_compute
from bangfu.assessment.services import SchemeError, scheme_load, scheme_load_file, score_publish, veto_add
from bangfu.ledger.choices import Channel, RecordStatus
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.services import org_create
from bangfu.progress.services import base_value_set
from tests.support.world import buy, org

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2022, 10, 31)

SCHEME = {
    "year": 2022,
    "name": "测试考核办法",
    "groups": [
        {
            "name": "镇（街道）",
            "kinds": ["town", "street", "committee"],
            "indicators": [
                {"code": "A1", "name": "采购完成率", "source": "lines", "source_params": {"items": ["2.2", "2.3", "2.4", "2.5"], "kinds": ["amount"]},
                 "method": "linear", "method_params": {"bonus_rate": 10, "bonus_cap": 5}, "weight": 60},
                {"code": "A2", "name": "属地工会采购完成率", "source": "jurisdiction_lines", "source_params": {"items": ["1.1"], "kinds": ["ratio"]},
                 "method": "linear", "weight": 40},
                {"code": "V1", "name": "违法违规", "source": "veto", "method": "veto", "weight": 0},
            ],
        }
    ],
}  # fmt: skip


JUNE = dt.date(2022, 6, 1)


def bought(unit, yuan, status=RecordStatus.APPROVED):
    """A purchase of ``yuan`` 元 on 1 June 2022 (no channel given)."""
    return buy(unit, yuan * 100, day=JUNE, channel=Channel.OTHER, status=status)


@pytest.fixture
def world(plan):
    union = org_create(name="周巷镇总工会", kind=OrgKind.UNION, parent=org("周巷镇"))
    base_value_set(organisation=union, year=2022, holiday_gift_fen=1_000_000_00, member_count=100)
    bought(org("周巷镇"), 3_300_000)
    bought(union, 100_000)
    bought(org("横河镇"), 2_000_000, status=RecordStatus.SUBMITTED)  # not approved: not in official scores
    bought(org("古塘街道"), 1_250_000)
    return scheme_load(SCHEME)


def scores(assessment):
    return {u.unit.name: u for u in assessment.groups["镇（街道）"]}


def test_shipped_scheme_loads(cixi_orgs):
    scheme = scheme_load_file(settings.BASE_DIR / "data" / "assessment_2022.json")
    assert [g.name for g in scheme.groups.all()] == ["镇（街道）、管委会", "市级部门"]
    assert sum(g.indicators.count() for g in scheme.groups.all()) == 8
    again = scheme_load_file(settings.BASE_DIR / "data" / "assessment_2022.json")
    assert again.pk == scheme.pk and Scheme.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(year="2022"), "year"),
        (lambda s: s["groups"][0].update(kinds=["village"]), "单位类型"),
        (lambda s: s["groups"][0]["indicators"][0].update(source="magic"), "数据来源"),
        (lambda s: s["groups"][0]["indicators"][0].update(method="guess"), "计分方式"),
        (lambda s: s["groups"][0]["indicators"][1].update(code="A1"), "编号"),
        (lambda s: s["groups"][0]["indicators"][0].update(weight="-5"), "负数"),
    ],
)
def test_bad_schemes_are_refused(change, message):
    import copy

    data = copy.deepcopy(SCHEME)
    change(data)
    with pytest.raises(SchemeError, match=message):
        scheme_load(data)


def test_hand_computed_scores_and_ranks(world):
    result = scores(assessment_compute(world, as_of=AS_OF))
    zhouxiang = result["周巷镇"]
    # A1: the town's jurisdiction bought 330万 + its union's 10万 = 340万 of 300万 = 113.33 %
    # → 60 + 0.1333 × 10 bonus = 61.33; A2: the union's 10万 of 20 % × 100万 = 50 % → 20.
    assert [r.points.quantize(D("0.01")) for r in zhouxiang.result.indicators[:2]] == [D("61.33"), D(20)]
    assert zhouxiang.result.total == D("81.33") and zhouxiang.rank == 1
    # 古塘街道 has no union: A2 does not apply; 50 % of A1 = 30 of 60 scales to 50 of 100.
    assert result["古塘街道"].result.total == D("50.00") and result["古塘街道"].rank == 2
    # 横河镇's purchases are not approved yet: 0.
    assert result["横河镇"].result.total == D("0.00") and result["横河镇"].rank == 3
    assert len(result) == 18
    explanation = zhouxiang.result.indicators[0].explanation
    assert (
        "2.2 周巷镇完成340.00万元，目标300.00万元，完成率113.3%" in explanation and "加1.33分" in explanation
    )
    assert (
        "属地工会采购完成率：1个目标平均完成率50%（1.1 周巷镇总工会采购10.00万元，达到10%，目标20%，完成率50%）"
        in (zhouxiang.result.indicators[1].explanation)
    )


def test_veto_zeroes_the_total(world):
    veto_add(organisation=org("周巷镇"), date=dt.date(2022, 5, 1), reason="虚报采购数据")
    zhouxiang = scores(assessment_compute(world, as_of=AS_OF))["周巷镇"]
    assert zhouxiang.result.vetoed and zhouxiang.result.total == 0 and zhouxiang.rank == 18
    assert "虚报采购数据" in zhouxiang.result.indicators[2].explanation


def test_published_scores_do_not_move_after_later_edits(world):
    run = score_publish(world, as_of=AS_OF)
    frozen = UnitScore.objects.get(run=run, unit_name="周巷镇")
    assert frozen.total == D("81.33") and frozen.rank == 1
    line = IndicatorScore.objects.get(unit_score=frozen, code="A1")
    assert (
        line.points == D("61.33")
        and len(line.figures["record_ids"]) == 2
        and line.figures["lines"][0]["achieved_fen"] == 340_000_000
    )
    assert run.scheme_snapshot["groups"][0]["indicators"][0]["weight"] == "60.00"
    # Later: more purchases, a changed weight — interim scores move, the published ones do not.
    bought(org("横河镇"), 2_500_000)
    indicator = world.groups.get().indicators.get(code="A1")
    indicator.weight = D(80)
    indicator.save()
    interim = scores(assessment_compute(world, as_of=AS_OF))
    assert interim["横河镇"].result.total > 0
    frozen.refresh_from_db()
    assert frozen.total == D("81.33") and UnitScore.objects.get(run=run, unit_name="横河镇").total == D(
        "0.00"
    )
