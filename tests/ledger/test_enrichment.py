"""Two sources of one purchase: the second completes what the first lacks (origin, the 832 channel,
supplier), with the change in the record's history; where they disagree, the record is flagged for the
coordinator and nothing is resolved by "first seen wins". Flags also mark 832 purchases from non-832
counties and implausibly large single purchases."""

from __future__ import annotations

import pytest

from bangfu.ledger.choices import ApprovalAction, Channel, FlagKind
from bangfu.ledger.models import ApprovalEvent, Purchase, PurchaseFlag
from bangfu.ledger.services import ledger_import
from bangfu.ledger.services.enrichment import flag_resolve
from bangfu.regions.models import Region

from .builders import write_csv

pytestmark = pytest.mark.django_db

TOWN = ["采购单位", "采购日期", "商品名称", "金额（元）", "订单号"]
PLATFORM = ["订单编号", "下单时间", "采购单位", "商品名称", "店铺名称", "产地", "订单金额(元)", "订单状态"]


@pytest.fixture
def setup(seeded_regions):
    """Cixi's units and the regions (a shared layer)."""


def town_file(tmp_path, rows, name="周巷镇台账.csv"):
    return write_csv(tmp_path / name, [TOWN, *rows])


def platform_file(tmp_path, rows, name="832平台订单导出.csv"):
    return write_csv(tmp_path / name, [PLATFORM, *rows], encoding="gbk")


def test_a_platform_export_completes_the_ledgers_records(setup, tmp_path):
    town = town_file(
        tmp_path,
        [
            ["周巷镇人民政府", "2022-03-15", "苦荞茶", "1500.00", "P-001"],
            ["周巷镇人民政府", "2022-04-02", "马铃薯", "800.00", "P-002"],
        ],
    )
    first = ledger_import(path=town)
    assert first.accepted == 2
    stored = Purchase.objects.get(order_no="P-001")
    assert stored.origin_region is None and stored.channel == Channel.OTHER

    platform = platform_file(
        tmp_path,
        [
            ["P-001", "2022-03-15 10:00:00", "周巷镇人民政府", "苦荞茶", "布拖县彝家苦荞", "四川省凉山彝族自治州布拖县", "1500.00", "已完成"],
            ["P-002", "2022-04-02 10:00:00", "周巷镇人民政府", "马铃薯", "布拖县农业公司", "布拖县", "800.00", "已完成"],
        ],
    )  # fmt: skip
    preview = ledger_import(path=platform, dry_run=True)
    assert (preview.duplicates, preview.enriched) == (2, 2)
    assert Purchase.objects.get(order_no="P-001").origin_region is None  # a preview writes nothing

    second = ledger_import(path=platform)
    assert (second.accepted, second.duplicates, second.enriched, second.flagged) == (0, 2, 2, 0)
    stored.refresh_from_db()
    assert stored.origin_region.county == "布拖县" and stored.channel == Channel.PLATFORM_832
    assert stored.supplier == "布拖县彝家苦荞" and stored.amount_fen == 150_000
    event = ApprovalEvent.objects.get(purchase=stored, action=ApprovalAction.ENRICH)
    assert "补全" in event.comment and event.changes["channel"] == ["other", "832"]
    assert event.changes["origin_region_id"][1] == stored.origin_region_id
    assert Purchase.objects.count() == 2  # still one record per purchase


def test_sources_that_disagree_are_flagged_not_resolved(setup, tmp_path):
    Region.objects.get_or_create(
        province="四川省", prefecture="凉山彝族自治州", county="昭觉县", defaults={"is_832": True}
    )
    ledger_import(
        path=platform_file(
            tmp_path,
            [
                [
                    "Q-001",
                    "2022-05-01 09:00:00",
                    "周巷镇人民政府",
                    "苦荞茶",
                    "店",
                    "布拖县",
                    "300.00",
                    "已完成",
                ]
            ],
            name="832平台第一次导出.csv",
        )
    )
    other = town_file(
        tmp_path,
        [["周巷镇人民政府", "2022-05-01", "苦荞茶", "300.00", "Q-001"]],
    )
    # The town says the same order came from 昭觉县, through a fair: conflicts on origin and channel.
    rows = [["采购单位", "采购日期", "商品名称", "产地", "采购渠道", "金额（元）", "订单号"],
            ["周巷镇人民政府", "2022-05-01", "苦荞茶", "昭觉县", "展销会", "300.00", "Q-001"]]  # fmt: skip
    other = write_csv(tmp_path / "另一来源.csv", rows)
    summary = ledger_import(path=other)
    assert summary.duplicates == 1 and summary.flagged == 2 and summary.enriched == 0
    stored = Purchase.objects.get(order_no="Q-001")
    assert stored.origin_region.county == "布拖县" and stored.channel == Channel.PLATFORM_832  # unchanged
    flags = {f.field: f for f in PurchaseFlag.objects.filter(purchase=stored)}
    assert set(flags) == {"origin", "channel"}
    assert flags["origin"].stored_value == "布拖县" and flags["origin"].incoming_value == "昭觉县"
    assert "不一致" in flags["channel"].message and flags["channel"].kind == FlagKind.SOURCE_CONFLICT


def test_the_same_order_number_with_another_amount_is_kept_and_flagged(setup, tmp_path):
    ledger_import(path=town_file(tmp_path, [["周巷镇人民政府", "2022-06-01", "礼盒", "1500.00", "R-9"]]))
    summary = ledger_import(
        path=platform_file(
            tmp_path,
            [["R-9", "2022-06-01 09:00:00", "周巷镇人民政府", "礼盒", "店", "布拖县", "500.00", "已完成"]],
        )
    )
    assert summary.accepted == 1 and summary.flagged == 1
    ledger_total, line = Purchase.objects.filter(order_no="R-9").order_by("pk")
    flag = PurchaseFlag.objects.get()
    assert flag.purchase == ledger_total and flag.other == line and flag.field == "amount"
    assert "1,500.00" in flag.message and "500.00" in flag.message


def test_832_purchases_from_other_counties_and_large_amounts_are_flagged(setup, tmp_path, settings):
    settings.BANGFU_PLAUSIBLE_MAX_YUAN = 10_000
    Region.objects.create(province="浙江省", prefecture="宁波市", county="慈溪市", is_832=False)
    summary = ledger_import(
        path=platform_file(
            tmp_path,
            [
                ["S-1", "2022-07-01 09:00:00", "周巷镇人民政府", "杨梅", "店", "浙江省宁波市慈溪市", "50.00", "已完成"],
                ["S-2", "2022-07-02 09:00:00", "周巷镇人民政府", "黑山羊", "店", "布拖县", "25000.00", "已完成"],
                ["S-3", "2022-07-03 09:00:00", "周巷镇人民政府", "苦荞", "店", "布拖县", "50.00", "已完成"],
            ],
        )
    )  # fmt: skip
    assert summary.accepted == 3 and summary.flagged == 2
    kinds = dict(PurchaseFlag.objects.values_list("purchase__order_no", "kind"))
    assert kinds == {"S-1": FlagKind.CHANNEL_ORIGIN, "S-2": FlagKind.IMPLAUSIBLE_AMOUNT}
    # The records count as they are: flagged, not rejected.
    assert Purchase.objects.filter(order_no__in=["S-1", "S-2"]).count() == 2


def test_a_flag_is_resolved_with_what_the_reviewer_found(setup, tmp_path, settings, make_user):
    settings.BANGFU_PLAUSIBLE_MAX_YUAN = 10
    ledger_import(path=town_file(tmp_path, [["周巷镇人民政府", "2022-06-01", "礼盒", "1500.00", "T-1"]]))
    flag = PurchaseFlag.objects.get()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        flag_resolve(flag, user=None, comment="  ")
    office = make_user("coordinator")
    flag_resolve(flag, user=office, comment="已电话核实，金额无误")
    flag.refresh_from_db()
    assert flag.resolved_at is not None and flag.resolved_by == office


def test_the_review_list_shows_open_flags_in_scope(setup, tmp_path, settings, make_user, client):
    from django.urls import reverse

    settings.BANGFU_PLAUSIBLE_MAX_YUAN = 10
    ledger_import(path=town_file(tmp_path, [["周巷镇人民政府", "2022-06-01", "礼盒", "1500.00", "U-1"]]))
    client.force_login(make_user("coordinator"))
    page = client.get(reverse("ledger:flags"))
    assert page.status_code == 200 and "单笔金额" in page.content.decode()
    flag = PurchaseFlag.objects.get()
    response = client.post(reverse("ledger:flag-resolve", args=[flag.pk]), {"comment": "核实无误"})
    assert response.status_code == 302
    assert "没有待核查的记录" in client.get(reverse("ledger:flags")).content.decode()
    assert "核实无误" in client.get(reverse("ledger:flags"), {"resolved": "1"}).content.decode()
    # A reporter does not review; a lead reviewer outside the town sees nothing of it.
    client.force_login(make_user("reporter", "周巷镇"))
    assert client.get(reverse("ledger:flags")).status_code == 403
    client.force_login(make_user("lead", "市总工会"))
    assert "U-1" not in client.get(reverse("ledger:flags"), {"resolved": "1"}).content.decode()
