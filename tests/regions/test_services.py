from __future__ import annotations

import pytest
import time_machine

from bangfu.regions.choices import PairingKind
from bangfu.regions.models import Pairing, Region
from bangfu.regions.selectors import paired_region_ids, region_index
from bangfu.regions.services import RegionError, region_add, regions_import, regions_seed

pytestmark = pytest.mark.django_db


def test_seed_pairs_cixi_with_butuo_idempotently():
    regions_seed()
    regions_seed()
    region = Region.objects.get()
    assert region.full_name == "四川省凉山彝族自治州布拖县" and region.is_832
    assert region.pairings.get().kind == PairingKind.EAST_WEST
    assert paired_region_ids(2022) == {region.pk}
    assert paired_region_ids(2020) == set()


@pytest.mark.parametrize("name", ["布拖", "布拖县", "凉山州布拖县", "四川省凉山彝族自治州布拖县"])
def test_region_add_accepts_full_and_short_names(name):
    region, pairing = region_add(name=name, year=2022)
    assert (region.province, region.prefecture, region.county, region.code) == (
        "四川省",
        "凉山彝族自治州",
        "布拖县",
        "513429",
    )
    assert (pairing.year_from, pairing.year_to) == (2022, 2022)
    # Adding again for the same year changes nothing.
    assert region_add(name=name, year=2022) == (region, pairing)
    assert Pairing.objects.count() == 1


def test_region_add_without_year_is_open_ended():
    with time_machine.travel("2023-03-01 10:00 +0800"):
        _region, pairing = region_add(name="昭觉县")
    assert (pairing.year_from, pairing.year_to) == (2023, None)
    assert pairing.region.pk in paired_region_ids(2030)


def test_region_add_refuses_unknown_and_ambiguous_names():
    with pytest.raises(RegionError, match="找不到"):
        region_add(name="不存在县")
    with pytest.raises(RegionError, match="多个县"):
        region_add(name="朝阳区")
    region, _ = region_add(name="北京市朝阳区", year=2022)
    assert region.province == "北京市"


def test_regions_import_a_county_list(tmp_path):
    path = tmp_path / "832县名单.csv"
    path.write_text(
        "省,市（州）,县\n四川省,凉山彝族自治州,布拖县\n四川省,凉山州,昭觉县\n贵州省,,某某新县\n,,\n,,不知道\n",
        encoding="gbk",
    )
    result = regions_import(path, is_832=True)
    assert result.created == 3 and result.updated == 0
    assert result.unknown == ["第6行：不知道"]
    assert set(Region.objects.filter(is_832=True).values_list("county", flat=True)) == {
        "布拖县",
        "昭觉县",
        "某某新县",
    }
    assert region_index().resolve("凉山州昭觉县") is not None
    again = regions_import(path, is_832=True)
    assert again.created == 0 and again.updated == 3
