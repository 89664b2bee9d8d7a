"""Hand-computed scores on small fixtures."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from bangfu.assessment.scoring import Figures, IndicatorRule, score_indicator, score_unit

LINEAR = IndicatorRule("A1", "采购完成率", D(50), "linear", {"cap": 1, "bonus_rate": 10, "bonus_cap": 5})


@pytest.mark.parametrize(
    ("rate", "points"),
    [
        (D("0"), D("0")),
        (D("0.5"), D("25")),
        (D("0.95"), D("47.5")),
        (D("1"), D("50")),
        (D("1.2"), D("52")),  # 50 + 0.2 × 10
        (D("2"), D("55")),  # bonus capped at 5
    ],
)
def test_linear_with_capped_bonus(rate, points):
    result = score_indicator(LINEAR, Figures(rate=rate, statement="完成率"))
    assert result.points == points


def test_linear_cap_below_one():
    rule = IndicatorRule("X", "x", D(20), "linear", {"cap": "0.8"})
    assert score_indicator(rule, Figures(rate=D("0.4"))).points == D(10)
    assert score_indicator(rule, Figures(rate=D("0.9"))).points == D(20)


def test_thresholds():
    rule = IndicatorRule("B1", "食堂", D(60), "thresholds", {"steps": [[1, 60], [0.8, 48], [0.6, 36]]})
    assert [score_indicator(rule, Figures(rate=D(r))).points for r in ("1.1", "0.85", "0.6", "0.59")] == [
        60,
        48,
        36,
        0,
    ]


def test_deduction_never_below_zero():
    rule = IndicatorRule("A4", "按时报送", D(20), "deduction", {"per_late": 2, "per_missing": 5})
    assert score_indicator(rule, Figures(late=2, missing=1)).points == D(11)
    assert score_indicator(rule, Figures(late=0, missing=9)).points == D(0)
    assert "迟报2次、漏报1次" in score_indicator(rule, Figures(late=2, missing=1)).explanation


def test_unmeasured_exempt_and_inapplicable():
    assert score_indicator(LINEAR, Figures(measured=False, statement="基数未填报")).points == 0
    assert score_indicator(LINEAR, Figures(exempt=True, statement="无食堂")).points == 50
    excluded = score_indicator(
        IndicatorRule("C", "c", D(30), "linear", {"exempt": "exclude"}), Figures(exempt=True)
    )
    assert not excluded.applicable


def test_unit_total_weights_cap_and_veto():
    results = [
        score_indicator(LINEAR, Figures(rate=D("1.3"))),  # 53
        score_indicator(IndicatorRule("A2", "工会", D(30), "linear"), Figures(rate=D("0.5"))),  # 15
        score_indicator(
            IndicatorRule("A4", "报送", D(20), "deduction", {"per_late": 2}), Figures(late=1)
        ),  # 18
    ]
    unit = score_unit(results)
    assert unit.total == D("86.00") and unit.full_marks == D(100) and not unit.vetoed
    veto = score_indicator(
        IndicatorRule("V1", "违规", D(0), "veto"), Figures(vetoed=True, statement="2022-05-01 虚报采购")
    )
    vetoed = score_unit([*results, veto])
    assert vetoed.total == 0 and vetoed.vetoed and "总分计0分" in veto.explanation


def test_inapplicable_indicators_scale_to_the_applicable_weight():
    results = [
        score_indicator(IndicatorRule("A", "a", D(50), "linear"), Figures(rate=D("0.8"))),  # 40 of 50
        score_indicator(IndicatorRule("B", "b", D(50), "linear"), Figures(applicable=False)),
    ]
    assert score_unit(results).total == D("80.00")


def test_explanations_state_the_figures():
    result = score_indicator(
        LINEAR, Figures(rate=D("1.1"), statement="2.2 周巷镇完成330.00万元，目标300.00万元")
    )
    assert result.explanation == (
        "采购完成率：2.2 周巷镇完成330.00万元，目标300.00万元，按完成率计100.0%×50.00=50.00分，超额10.0%加1.00分（封顶5.00分）"
    )
