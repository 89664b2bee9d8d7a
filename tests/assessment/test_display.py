"""Scores as shown: the points add up to the total shown, and a rescaled total says so."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from bangfu.assessment.scoring.display import Entry, largest_remainder, shown_score
from bangfu.assessment.scoring.functions import Figures, IndicatorResult, IndicatorRule, score_unit


def test_thirds_add_up_to_the_total():
    assert largest_remainder([D("33.333"), D("33.333"), D("33.334")], D("100.00")) == [
        D("33.33"),
        D("33.33"),
        D("33.34"),
    ]


def test_a_rescaled_total_shows_scaled_points_and_its_scale():
    entries = [Entry(D(40), D("30.005")), Entry(D(20), D(0), applicable=False), Entry(D(40), D("20.004"))]
    shown = shown_score(entries, D("62.51"))
    assert shown.scale == D("1.25") and shown.not_applicable_marks == D(20)
    assert shown.points[1] is None
    assert sum(p for p in shown.points if p is not None) == D("62.51")


def test_a_veto_keeps_the_points_as_earned():
    shown = shown_score([Entry(D(50), D("12.345")), Entry(D(0), D(0), veto=True)], D(0), vetoed=True)
    assert shown.points == (D("12.35"), None) and shown.scale is None


points = st.decimals(min_value=0, max_value=30, places=4)


@given(st.lists(st.tuples(points, st.booleans()), min_size=1, max_size=8))
def test_shown_points_always_add_up_to_the_engines_total(rows):
    rules = [
        IndicatorResult(
            IndicatorRule(code=f"A{i}", name="x", weight=D(30), method="linear"), p, "", Figures(), ok
        )
        for i, (p, ok) in enumerate(rows)
    ]
    result = score_unit(rules)
    shown = shown_score([Entry(r.rule.weight, r.points, r.applicable) for r in rules], result.total)
    if any(ok for _p, ok in rows):
        assert sum(p for p in shown.points if p is not None) == result.total
    assert all(p is None for p, (_v, ok) in zip(shown.points, rows, strict=True) if not ok)
