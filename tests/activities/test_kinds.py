from __future__ import annotations

from decimal import Decimal

import pytest

from bangfu.activities.kinds import KINDS, DetailsError, clean_details, guess_kinds


def test_every_kind_has_fields_and_measures():
    assert set(KINDS) == {
        "event",
        "outlet",
        "media",
        "training",
        "enterprise",
        "claim",
        "contract",
        "fund",
        "inspection",
        "milestone",
    }
    for kind in KINDS.values():
        assert kind.fields and kind.measures


def test_clean_details_normalises_money_dates_and_numbers():
    details = clean_details(
        KINDS["event"],
        {
            "event_type": "展销会",
            "end_date": "2022年9月25日",
            "place": "慈溪会展中心",
            "booths": "３０",
            "free_booths": "30",
            "exhibitors": "12",
            "sales": "12.5万",
        },
    )
    assert details == {
        "event_type": "展销会", "end_date": "2022-09-25", "place": "慈溪会展中心", "booths": 30, "free_booths": 30,
        "exhibitors": 12, "sales": 125_000_00,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "details", "field", "message"),
    [
        ("event", {"event_type": "庙会", "place": "x"}, "event_type", "应为"),
        ("event", {"event_type": "展销会"}, "place", "地点必须填写"),
        (
            "event",
            {"event_type": "展销会", "place": "x", "booths": 2, "free_booths": 3},
            "free_booths",
            "不能多于",
        ),
        ("training", {"sessions": "1.5", "trainees": "10"}, "sessions", "整数"),
        (
            "media",
            {"media_type": "报纸", "outlet": "慈溪日报", "link": "javascript:alert(1)"},
            "link",
            "http",
        ),
        ("fund", {"recipient": "某合作社", "purpose": "订单农业", "amount": "-5"}, "amount", "有效金额"),
    ],
)
def test_invalid_details_are_refused_with_a_chinese_reason(kind, details, field, message):
    with pytest.raises(DetailsError) as error:
        clean_details(KINDS[kind], details)
    assert message in error.value.errors[field]


def test_measures_by_target_unit():
    training = clean_details(KINDS["training"], {"sessions": 3, "trainees": 150})
    assert KINDS["training"].measure("期", training) == 3
    assert KINDS["training"].measure("人次", training) == 150
    assert KINDS["training"].measure("篇", training) == 0
    claim = clean_details(
        KINDS["claim"], {"claim_type": "土地", "claimant": "某企业", "area_mu": "12.5", "households": 8}
    )
    assert KINDS["claim"].measure("亩", claim) == Decimal("12.5")
    assert KINDS["milestone"].measure("项", {"done": False}) == 0
    assert KINDS["milestone"].measure("项", clean_details(KINDS["milestone"], {"done": "是"})) == 1


def test_guess_kinds_from_item_text():
    assert guess_kinds("充分利用我市的各类展会资源，大力推动消费帮扶产品进展销会、进农博会")[0] == "event"
    assert guess_kinds("开展对口地区电商从业人员素质提升培训工程")[0] == "training"
    assert "outlet" in guess_kinds("畅通区域性品牌商场、超市、大型农产品批发市场、加油站、居民社区等场所")
