from __future__ import annotations

import json

import pytest

from bangfu.common.text import clean_cell, join_lines, name_key, text_array_json


@pytest.mark.parametrize(
    "values",
    [(), ("",), ("a", "中文"), ('a"b', "c\\d"), ("x\ny", "\t"), ("\u2028",), ("订单", "1,280.00", "")],
)
def test_text_array_json_round_trips(values):
    assert json.loads(text_array_json(values)) == list(values)
    assert text_array_json(values) == json.dumps(list(values), ensure_ascii=False, separators=(",", ":"))


def test_text_array_json_joins_plain_cells_without_the_encoder(monkeypatch):
    """Cells that need no escaping (nearly every row of a ledger) are joined directly: the encoder is
    several times slower per row on a million-row import."""
    from bangfu.common import text

    def refuse(_values):
        raise AssertionError("the encoder was used for plain cells")

    monkeypatch.setattr(text, "_json_encode", refuse)
    assert text_array_json(("2022000000000001", "2022-01-01 08:00:45", "慈溪中学", "8529.53")) == (
        '["2022000000000001","2022-01-01 08:00:45","慈溪中学","8529.53"]'
    )


def test_name_key_ignores_width_space_brackets_and_quotes():
    assert (
        name_key("龙山镇（滨海区管委会）")
        == name_key("龙山镇 (滨海区管委会)")
        == name_key("龙山镇【滨海区管委会】")
    )
    assert name_key("“周巷镇”") == "周巷镇"


def test_clean_cell_and_join_lines():
    assert clean_cell("\r\n  牵头单位：市总工会 \r\n\r\n") == "牵头单位：市总工会"
    assert clean_cell(None) == ""
    assert join_lines("电商、\n外贸产业\n补短板") == "电商、外贸产业补短板"
    assert join_lines("ABC\nDEF") == "ABC DEF"
