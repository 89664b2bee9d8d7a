"""Activity pages: lists by kind, entry forms per kind, a record, review, evidence files (upload, preview,
download, deletion — on activities and on purchases), the outlet directory (internal and public) — each
role allowed and refused side by side, and scoping by guessed ids.

The world (built once per module, rolled back afterwards):

| record    | kind       | unit              | status    | coordinator | leader | reporter 周巷镇 | lead 市总工会 |
|-----------|------------|-------------------|-----------|-------------|--------|-----------------|---------------|
| fair      | event      | 周巷镇            | submitted | yes         | yes    | yes             | no            |
| union     | media      | 周巷镇甲公司工会 | submitted | yes         | yes    | yes (its town)  | yes (unions)  |
| other     | media      | 观海卫镇          | submitted | yes         | yes    | no              | no            |
| counter   | outlet     | 周巷镇            | approved  | yes         | yes    | yes             | no            |
| hidden    | outlet     | 观海卫镇          | submitted | yes         | yes    | no              | no            |
| factory   | enterprise | 周巷镇            | submitted | yes         | yes    | yes             | no            |

Evidence: a PDF and a Word file on ``fair`` (uploaded by the reporter), a PNG on ``other`` (uploaded by
the coordinator), a PDF on the purchase of 观海卫镇 ``bought``.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from bangfu.activities.models import Activity, Evidence
from bangfu.activities.services import activity_create, evidence_add
from bangfu.ledger.choices import RecordStatus
from bangfu.ledger.models import Purchase
from bangfu.ledger.services import purchase_create
from bangfu.orgs.choices import OrgKind
from bangfu.orgs.services import org_create
from bangfu.plans.models import Item, Plan
from tests.support.layers import layer, layer_value
from tests.support.world import org
from tests.support.worlds import ROLES, World, one_user_per_role

pytestmark = pytest.mark.django_db
S = RecordStatus
NAMES = ("fair", "union", "other", "counter", "hidden", "factory")
VISIBLE = {
    "coordinator": set(NAMES),
    "leader": set(NAMES),
    "reporter": {"fair", "union", "counter", "factory"},
    "lead": {"union"},
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
DOCX = b"PK\x03\x04" + b"\x00" * 40


@dataclass
class ActivityWorld(World):
    evidence: dict[str, Evidence] = field(default_factory=dict)
    purchase: Purchase | None = None
    items: dict[str, Item] = field(default_factory=dict)
    media: Path | None = None  # where the evidence files were stored


@layer("activities_world", on="seed_plan")
def _build_world(request) -> ActivityWorld:
    plan = Plan.objects.get(pk=layer_value(request, "seed_plan"))
    media = request.getfixturevalue("tmp_path_factory").mktemp("media")
    with override_settings(MEDIA_ROOT=media):
        built = _build_activities(plan)
    built.media = media
    return built


def _build_activities(plan: Plan) -> ActivityWorld:
    items = {item.code: item for item in Item.objects.filter(task__plan=plan).select_related("task")}
    units = {"zhouxiang": org("周巷镇"), "guanhaiwei": org("观海卫镇")}
    units["union"] = org_create(name="周巷镇甲公司工会", kind=OrgKind.UNION, parent=units["zhouxiang"])
    users = one_user_per_role("act")

    def make(name: str, kind: str, unit: str, item: str, details: dict[str, Any], **kw: Any) -> Activity:
        return activity_create(
            kind=kind, organisation=units[unit], item=items[item], title=kw.pop("title", name),
            date=kw.pop("date", dt.date(2022, 5, 1)), details=details, **kw,
        )  # fmt: skip

    outlet = {"place_type": "超市", "address": "周巷镇兴业路1号", "operator": "周巷超市", "status": "营业中",
              "monthly_sales": "3.5万", "phone": "0574-6300000"}  # fmt: skip
    records = {
        "fair": make("周巷镇布拖农特产品展销会", "event", "zhouxiang", "4.1",
                     {"event_type": "展销会", "place": "周巷镇文化广场", "booths": 20, "free_booths": 20, "sales": "5,600"}),
        "union": make("工会推介布拖苦荞", "media", "union", "4.3", {"media_type": "新媒体", "outlet": "甲公司公众号"}),
        "other": make("观海卫镇宣传", "media", "guanhaiwei", "4.3",
                      {"media_type": "报纸", "outlet": "慈溪日报", "link": "https://example.org/a?x=1&y=<b>"}),
        "counter": make("周巷超市消费帮扶专柜", "outlet", "zhouxiang", "4.2", outlet, public=True, status=S.APPROVED),
        "hidden": make("观海卫镇待审专柜", "outlet", "guanhaiwei", "4.2",
                       {**outlet, "address": "观海卫镇某路2号", "monthly_sales": "9万"}, public=True),
        "factory": make("某食品公司采购苦荞原料", "enterprise", "zhouxiang", "3.1",
                        {"enterprise": "周巷镇某食品公司", "amount": "12万", "product": "苦荞", "origin": "凉山州布拖县"}),
    }  # fmt: skip
    purchase = purchase_create(
        purchaser=units["guanhaiwei"],
        date=dt.date(2022, 4, 1),
        amount_fen=100_00,
        origin="布拖县",
        status=S.SUBMITTED,
    )
    evidence = {
        "fair_pdf": evidence_add(name="展销会总结.pdf", content=PDF, user=users["reporter"], activity=records["fair"]),
        "fair_doc": evidence_add(name="签到表.docx", content=DOCX, user=users["reporter"], activity=records["fair"]),
        "other_png": evidence_add(name="报道截图.png", content=PNG, user=users["coordinator"], activity=records["other"]),
        "bought_pdf": evidence_add(name="发票.pdf", content=PDF, user=users["coordinator"], purchase=purchase),
    }  # fmt: skip
    return ActivityWorld(
        units=units,
        users=users,
        records=records,
        plan=plan,
        evidence=evidence,
        purchase=purchase,
        items=items,
    )


@pytest.fixture
def activities_world(db, request) -> ActivityWorld:
    return copy.deepcopy(layer_value(request, "activities_world"))


@pytest.fixture
def world(activities_world, settings) -> ActivityWorld:
    settings.MEDIA_ROOT = activities_world.media
    return activities_world


# --- who may open what ---------------------------------------------------------------------------

WRITERS = {"coordinator", "reporter", "lead"}
PAGES = {
    # name → (url builder, roles allowed)
    "list": (lambda w: reverse("activities:list"), set(ROLES)),
    "list-kind": (lambda w: reverse("activities:list") + "?kind=outlet", set(ROLES)),
    "create": (lambda w: reverse("activities:create"), WRITERS),
    "create-kind": (lambda w: reverse("activities:create") + "?kind=training", WRITERS),
    "item": (lambda w: reverse("activities:item", args=[w.items["4.1"].pk]), set(ROLES)),
    "outlets": (lambda w: reverse("activities:outlets"), set(ROLES)),
    "import": (lambda w: reverse("activities:import"), WRITERS),
    "import-template": (lambda w: reverse("activities:import-template", args=["event"]), WRITERS),
    "purchase-evidence": (lambda w: reverse("activities:purchase-evidence", args=[w.purchase.pk]), {"coordinator", "leader"}),
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_by_role(world, role, page):
    url, allowed = PAGES[page]
    response = world.client(role).get(url(world))
    # The purchase of 观海卫镇 is outside the reporter's and the lead's scope: not found, like a guess.
    refused = 404 if page == "purchase-evidence" and role != "leader" else 403
    assert response.status_code == (200 if role in allowed else refused), (page, role)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_anonymous_users_are_sent_to_log_in(world, client, page):
    response = client.get(PAGES[page][0](world))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_record_pages_by_role_and_scope(world, role):
    """Detail for every visible record; 404 for a guessed id outside the scope; edit and delete only for
    writers (403 for the leader before anything is fetched)."""
    client = world.client(role)
    for name in NAMES:
        pk = world.pk(name)
        visible = name in VISIBLE[role]
        assert client.get(reverse("activities:detail", args=[pk])).status_code == (200 if visible else 404)
        for action in ("edit", "delete"):
            expected = 403 if role == "leader" else (200 if visible else 404)
            assert client.get(reverse(f"activities:{action}", args=[pk])).status_code == expected, (
                name,
                action,
            )
    assert client.get(reverse("activities:detail", args=[999_999])).status_code == 404


def test_writes_outside_the_scope_change_nothing(world):
    client = world.client("reporter")
    other = world.records["other"]
    assert client.post(reverse("activities:edit", args=[other.pk]), {"title": "改"}).status_code == 404
    assert client.post(reverse("activities:delete", args=[other.pk])).status_code == 404
    upload = SimpleUploadedFile("x.pdf", PDF)
    assert (
        client.post(reverse("activities:evidence-upload", args=[other.pk]), {"file": upload}).status_code
        == 404
    )
    assert (
        client.post(reverse("activities:review", args=[other.pk]), {"action": "approve"}).status_code == 403
    )
    other.refresh_from_db()
    assert other.title == "观海卫镇宣传" and other.evidence.count() == 1 and other.status == S.SUBMITTED
    leader = world.client("leader")
    assert leader.post(reverse("activities:delete", args=[world.pk("fair")])).status_code == 403
    assert leader.post(reverse("activities:create") + "?kind=media", {}).status_code == 403
    assert Activity.objects.filter(pk=world.pk("fair")).exists()


# --- the list ------------------------------------------------------------------------------------


def ids_on(response) -> set[int]:
    return {activity.pk for activity, _cells in response.context["rows"]}


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_only_the_scope(world, role):
    response = world.client(role).get(reverse("activities:list"))
    assert ids_on(response) == {world.pk(n) for n in VISIBLE[role]}
    assert ("登记工作记录" in response.content.decode()) == (role != "leader")


def test_filters(world):
    client = world.client("coordinator")

    def listed(**params) -> set[str]:
        response = client.get(reverse("activities:list"), params)
        assert response.status_code == 200
        found = ids_on(response)
        return {name for name in NAMES if world.pk(name) in found}

    assert listed(kind="media") == {"union", "other"}
    assert listed(unit=world.units["zhouxiang"].pk) == {
        "fair",
        "union",
        "counter",
        "factory",
    }  # with its union
    assert listed(unit=world.units["union"].pk) == {"union"}
    assert listed(item=world.items["4.2"].pk) == {"counter", "hidden"}
    assert listed(status="approved") == {"counter"}
    assert listed(q="专柜") == {"counter", "hidden"}
    assert listed(date_from="2022-05-02") == set()
    assert listed(date_from="2022-05-01", date_to="2022-05-01") == set(NAMES)
    response = client.get(reverse("activities:list"), {"date_from": "2022-06-01", "date_to": "2022-01-01"})
    assert "起始日期不能晚于截止日期" in response.content.decode()


def test_a_kind_shows_its_own_fields_as_columns_and_money_in_yuan(world):
    html = world.client("coordinator").get(reverse("activities:list"), {"kind": "event"}).content.decode()
    assert "免费展位数" in html and "现场销售额（元）" in html and "5,600.00" in html
    outlets = world.client("coordinator").get(reverse("activities:outlets")).content.decode()
    assert "35,000.00" in outlets and "月销售额（元）" in outlets  # the internal directory shows it


def test_the_unit_filter_offers_only_the_scope(world):
    client = world.client("reporter")
    response = client.get(reverse("activities:list"), {"unit": world.units["guanhaiwei"].pk})
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    assert ids_on(response) == {world.pk(n) for n in VISIBLE["reporter"]}  # never widened


def test_htmx_requests_get_the_results_fragment_only(world):
    response = world.client("coordinator").get(
        reverse("activities:list"), {"kind": "media"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">') and "<html" not in html


def test_links_and_text_are_escaped(world):
    html = (
        world.client("coordinator")
        .get(reverse("activities:detail", args=[world.pk("other")]))
        .content.decode()
    )
    assert 'href="https://example.org/a?x=1&amp;y=&lt;b&gt;"' in html and "<b>" not in html


@pytest.fixture
def many(world):
    """120 more records of 周巷镇 and its union, of every kind, each with an evidence file row."""
    rows = [
        Activity(
            kind=("event", "media", "training", "outlet")[i % 4],
            organisation=world.units["zhouxiang" if i % 2 else "union"],
            item=world.items[("4.1", "4.3", "5.1", "4.2")[i % 4]],
            title=f"记录{i}",
            date=dt.date(2022, 1 + i % 12, 1),
            details={"sessions": 1, "trainees": 10, "place_type": "社区", "monthly_sales": 100},
        )
        for i in range(120)
    ]
    created = Activity.objects.bulk_create(rows)
    Evidence.objects.bulk_create(
        Evidence(activity=a, file="evidence/x.pdf", original_name="x.pdf", size=1, content_type="application/pdf",
                 sha256="0" * 64) for a in created
    )  # fmt: skip
    return created


@pytest.mark.parametrize("role", ["coordinator", "reporter"])
@pytest.mark.parametrize("params", [{}, {"kind": "training"}, {"page": "2"}])
def test_the_list_reads_a_fixed_number_of_queries(world, many, role, params, django_assert_max_num_queries):
    client = world.client(role)
    client.get(reverse("activities:list"))  # warm the session
    with django_assert_max_num_queries(14):
        response = client.get(reverse("activities:list"), params)
    assert response.status_code == 200 and len(response.context["rows"]) > 0


def test_the_outlet_list_and_the_item_timeline_read_a_fixed_number_of_queries(
    world, many, django_assert_max_num_queries
):
    client = world.client("reporter")
    client.get(reverse("activities:outlets"))
    with django_assert_max_num_queries(14):
        assert client.get(reverse("activities:outlets")).status_code == 200
    with django_assert_max_num_queries(30):  # the progress figures of the item's targets included
        response = client.get(reverse("activities:item", args=[world.items["5.1"].pk]))
    assert response.status_code == 200 and len(response.context["entries"]) == 30


# --- entry, per kind -----------------------------------------------------------------------------


def create(client: Client, kind: str, data: dict[str, Any], item: Item | None = None):
    url = reverse("activities:create") + f"?kind={kind}" + (f"&item={item.pk}" if item else "")
    return client.post(url, data)


def test_the_entry_form_is_built_from_the_kinds_fields(world):
    client = world.client("reporter")
    page = client.get(reverse("activities:create"), {"kind": "training", "item": world.items["5.1"].pk})
    form = page.context["form"]
    assert {"sessions", "trainees", "place", "organiser", "organisation", "item", "title", "date"} <= set(
        form.fields
    )
    assert "public" not in form.fields  # only outlets may be public
    assert form.initial["organisation"] == world.units["zhouxiang"].pk
    units = set(form.fields["organisation"].queryset.values_list("pk", flat=True))
    assert world.units["union"].pk in units and world.units["guanhaiwei"].pk not in units
    outlet = client.get(reverse("activities:create"), {"kind": "outlet"}).context["form"]
    assert "public" in outlet.fields and outlet.fields["place_type"].choices[1] == ("商场", "商场")


def test_the_item_suggests_the_kind(world):
    client = world.client("reporter")
    page = client.get(reverse("activities:create"), {"item": world.items["4.2"].pk})
    assert page.context["kind"].code == "outlet"  # 商场、超市 … 专柜
    chooser = client.get(reverse("activities:create"), {"item": world.items["2.2"].pk})
    assert chooser.context["kind"] is None and "选择记录类型" in chooser.content.decode()
    explicit = client.get(reverse("activities:create"), {"item": world.items["4.2"].pk, "kind": "media"})
    assert explicit.context["kind"].code == "media"


INVALID = [
    # kind, data, field, message (Chinese, from the kind's rules)
    ("event", {"event_type": "庙会", "place": "x"}, "event_type", "活动类型应为"),
    ("event", {"event_type": "展销会"}, "place", "地点必须填写"),
    ("event", {"event_type": "展销会", "place": "x", "booths": "2", "free_booths": "3"}, "free_booths", "免费展位数不能多于展位数"),
    ("event", {"event_type": "展销会", "place": "x", "sales": "很多"}, "sales", "不是有效金额"),
    ("training", {"sessions": "1.5", "trainees": "10"}, "sessions", "应为整数"),
    ("training", {"sessions": "1"}, "trainees", "培训人次必须填写"),
    ("media", {"media_type": "报纸", "outlet": "慈溪日报", "link": "javascript:alert(1)"}, "link", "http"),
    ("fund", {"recipient": "某合作社", "purpose": "订单农业", "amount": "-5"}, "amount", "不是有效金额"),
    ("claim", {"claim_type": "土地", "claimant": "某企业", "area_mu": "十亩"}, "area_mu", "不是有效数字"),
    ("outlet", {"place_type": "超市", "address": "x", "operator": "y", "status": "营业中", "opening_date": "2022-13-45"}, "opening_date", "不是有效日期"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "data", "field", "message"), INVALID)
def test_forms_validate_per_kind_in_chinese(world, kind, data, field, message):
    client = world.client("reporter")
    before = Activity.objects.count()
    common = {"organisation": world.units["zhouxiang"].pk, "title": "测试", "date": "2022-06-01"}
    response = create(client, kind, {**common, **data})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert message in response.content.decode()
    assert Activity.objects.count() == before


def test_common_fields_are_checked(world):
    client = world.client("reporter")
    response = create(
        client, "media", {"organisation": world.units["guanhaiwei"].pk, "media_type": "报纸", "outlet": "x"}
    )
    errors = response.context["form"].errors
    assert "名称必须填写" in errors["title"][0] and "日期必须填写" in errors["date"][0]
    assert "不在本单位管辖范围内" in errors["organisation"][0]  # a guessed unit is refused


@pytest.mark.parametrize("role", ["reporter", "lead", "coordinator"])
def test_writers_enter_records_of_their_units(world, role):
    unit = {"reporter": "zhouxiang", "lead": "union", "coordinator": "guanhaiwei"}[role]
    response = create(
        world.client(role),
        "training",
        {"organisation": world.units[unit].pk, "item": world.items["5.1"].pk, "title": "电商培训",
         "date": "2022-06-01", "sessions": "２", "trainees": "1,200"},
    )  # fmt: skip
    assert response.status_code == 302
    activity = Activity.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[-1]))
    assert activity.details["sessions"] == 2 and activity.details["trainees"] == 1200
    assert activity.organisation == world.units[unit] and activity.created_by == world.users[role]
    assert activity.status == S.SUBMITTED


def test_an_outlet_is_public_by_default_other_kinds_never(world):
    client = world.client("reporter")
    outlet = {"place_type": "社区", "address": "x", "operator": "y", "status": "营业中"}
    data = {
        "organisation": world.units["zhouxiang"].pk,
        "title": "社区专柜",
        "date": "2022-06-01",
        "public": "on",
    }
    assert create(client, "outlet", {**data, **outlet}).status_code == 302
    assert Activity.objects.get(title="社区专柜").public
    assert (
        create(client, "media", {**data, "title": "报道", "media_type": "报纸", "outlet": "x"}).status_code
        == 302
    )
    assert not Activity.objects.get(title="报道").public


def test_an_enterprise_purchase_creates_a_purchase_record_and_links_it(world):
    factory = world.records["factory"]
    assert factory.purchase is not None and factory.purchase.amount_fen == 120_000_00
    html = world.client("reporter").get(reverse("activities:detail", args=[factory.pk])).content.decode()
    assert reverse("ledger:detail", args=[factory.purchase_id]) in html and "同时记作采购记录" in html
    response = create(
        world.client("reporter"),
        "enterprise",
        {"organisation": world.units["zhouxiang"].pk, "title": "原料采购", "date": "2022-07-01",
         "enterprise": "周巷镇某食品公司", "amount": "3000", "origin": "布拖县"},
    )  # fmt: skip
    assert response.status_code == 302
    created = Activity.objects.get(title="原料采购")
    assert created.purchase is not None and created.purchase.amount_fen == 3000_00
    assert Purchase.objects.filter(pk=created.purchase_id).count() == 1


def test_editing_keeps_the_kind_and_sends_an_approved_record_back_to_review(world):
    counter = world.records["counter"]
    client = world.client("reporter")
    page = client.get(reverse("activities:edit", args=[counter.pk]))
    form = page.context["form"]
    assert form.initial["monthly_sales"] == "35000.00" and form.initial["title"] == counter.title
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"title": "周巷超市专柜（扩大）", "monthly_sales": "4万", "public": "on"})
    response = client.post(reverse("activities:edit", args=[counter.pk]), data)
    assert response.status_code == 302
    counter.refresh_from_db()
    assert counter.title == "周巷超市专柜（扩大）" and counter.details["monthly_sales"] == 40_000_00
    assert counter.status == S.SUBMITTED and counter.kind == "outlet"


def test_deleting_a_record_takes_its_purchase_and_its_files_and_goes_back_to_its_item(
    world, django_capture_on_commit_callbacks
):
    factory = world.records["factory"]
    purchase_id = factory.purchase_id
    proof = evidence_add(name="合同.pdf", content=PDF, user=world.users["reporter"], activity=factory)
    stored = Path(proof.file.path)
    client = world.client("reporter")
    assert "采购记录" in client.get(reverse("activities:delete", args=[factory.pk])).content.decode()
    # Its purchase is under review: the ledger's rule refuses the deletion, and nothing is deleted.
    refused = client.post(reverse("activities:delete", args=[factory.pk]), follow=True)
    assert "只有草稿或已退回的记录可以删除" in refused.content.decode()
    assert (
        Activity.objects.filter(pk=factory.pk).exists() and Purchase.objects.filter(pk=purchase_id).exists()
    )
    returned = world.client("coordinator").post(
        reverse("ledger:review"), {"ids": str(purchase_id), "action": "return", "comment": "请核实"}
    )
    assert returned.status_code == 302 and Purchase.objects.get(pk=purchase_id).status == S.RETURNED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("activities:delete", args=[factory.pk]))
    assert not stored.exists() and not Evidence.objects.filter(pk=proof.pk).exists()
    assert response.status_code == 302 and response["Location"] == reverse(
        "activities:item", args=[world.items["3.1"].pk]
    )
    assert (
        not Activity.objects.filter(pk=factory.pk).exists()
        and not Purchase.objects.filter(pk=purchase_id).exists()
    )


@pytest.mark.parametrize("role", ROLES)
def test_review_by_role(world, role):
    union = world.records["union"]
    response = world.client(role).post(reverse("activities:review", args=[union.pk]), {"action": "approve"})
    union.refresh_from_db()
    if role in ("coordinator", "lead"):
        assert response.status_code == 302 and union.status == S.APPROVED
    else:
        assert response.status_code == 403 and union.status == S.SUBMITTED


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", S.values)
def test_the_record_page_offers_exactly_the_reviews_the_service_takes(world, role, status):
    """One table (``ACTIVITY_STATES``) for the buttons and ``activity_review``: from every status, for
    each role and for the author (four-eyes), a review button is shown exactly when it would work."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import transaction

    from bangfu.activities.services import activity_review

    class Undo(Exception):
        pass

    user = world.users[role]
    theirs = world.records["union"]  # in every role's scope, entered without a user: nobody's own
    mine = activity_create(
        kind="media", organisation=world.units["union"], title="本人填报", date=dt.date(2022, 6, 1),
        details={"media_type": "报纸", "outlet": "慈溪日报"}, user=user if role != "leader" else None,
    )  # fmt: skip
    for activity in (theirs, mine):
        Activity.objects.filter(pk=activity.pk).update(status=status)
        activity.refresh_from_db()
        html = world.client(role).get(reverse("activities:detail", args=[activity.pk])).content.decode()
        for action, approve in (("approve", True), ("return", False)):
            try:
                with transaction.atomic():
                    activity_review(activity, approve=approve, user=user)
                    raise Undo
            except Undo:
                taken = True
            except (ValidationError, PermissionDenied):
                taken = False
            activity.refresh_from_db()
            assert (f'value="{action}"' in html) == taken, (activity.title, action)


def test_the_lead_cannot_review_outside_its_scope(world):
    response = world.client("lead").post(
        reverse("activities:review", args=[world.pk("fair")]), {"action": "approve"}
    )
    assert response.status_code == 404


# --- evidence ------------------------------------------------------------------------------------


def preview(world, role: str, name: str):
    return world.client(role).get(reverse("activities:evidence-preview", args=[world.evidence[name].pk]))


def test_previews_are_inline_with_their_type_and_never_sniffed(world):
    pdf = preview(world, "reporter", "fair_pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert (
        pdf["Content-Disposition"].startswith("inline;") and "filename*=utf-8''" in pdf["Content-Disposition"]
    )
    assert pdf["X-Content-Type-Options"] == "nosniff" and "private" in pdf["Cache-Control"]
    assert "default-src 'none'" in pdf["Content-Security-Policy"]
    assert b"".join(pdf.streaming_content) == PDF
    png = preview(world, "coordinator", "other_png")
    assert png["Content-Type"] == "image/png" and png["Content-Disposition"].startswith("inline;")
    doc = preview(world, "reporter", "fair_doc")  # not previewable: downloaded
    assert doc["Content-Disposition"].startswith("attachment;")
    assert doc["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    download = world.client("reporter").get(
        reverse("activities:evidence-download", args=[world.evidence["fair_pdf"].pk])
    )
    assert (
        download["Content-Disposition"].startswith("attachment;")
        and download["X-Content-Type-Options"] == "nosniff"
    )


@pytest.mark.parametrize("role", ROLES)
def test_evidence_cannot_be_fetched_outside_the_records_scope(world, role):
    """Guessed ids of files on records outside the scope are 404 — for preview and download alike."""
    visible = {
        "coordinator": {"fair_pdf", "fair_doc", "other_png", "bought_pdf"},
        "leader": {"fair_pdf", "fair_doc", "other_png", "bought_pdf"},
        "reporter": {"fair_pdf", "fair_doc"},
        "lead": set(),
    }[role]
    client = world.client(role)
    for name, evidence in world.evidence.items():
        for view in ("evidence-preview", "evidence-download"):
            status = client.get(reverse(f"activities:{view}", args=[evidence.pk])).status_code
            assert status == (200 if name in visible else 404), (name, view)
    assert client.get(reverse("activities:evidence-preview", args=[999_999])).status_code == 404


def test_a_unit_outside_the_scope_cannot_download_by_guessing(world, make_user):
    other_town = Client()
    other_town.force_login(make_user("reporter", "观海卫镇"))
    for name in ("fair_pdf", "fair_doc"):
        evidence = world.evidence[name]
        assert other_town.get(reverse("activities:evidence-download", args=[evidence.pk])).status_code == 404
    assert (
        other_town.get(
            reverse("activities:evidence-preview", args=[world.evidence["other_png"].pk])
        ).status_code
        == 200
    )
    assert (
        other_town.get(
            reverse("activities:evidence-preview", args=[world.evidence["bought_pdf"].pk])
        ).status_code
        == 200
    )


def test_evidence_is_never_linked_from_media(world):
    html = (
        world.client("reporter").get(reverse("activities:detail", args=[world.pk("fair")])).content.decode()
    )
    assert "/media/" not in html and world.evidence["fair_pdf"].file.name not in html
    assert reverse("activities:evidence-preview", args=[world.evidence["fair_pdf"].pk]) in html
    assert world.evidence["fair_pdf"].sha256 in html


def test_uploads_are_checked_by_content(world):
    client = world.client("reporter")
    url = reverse("activities:evidence-upload", args=[world.pk("fair")])
    response = client.post(
        url, {"file": SimpleUploadedFile("照片.png", PNG, content_type="text/html")}, follow=True
    )
    assert "已上传佐证材料" in response.content.decode()
    stored = Evidence.objects.get(original_name="照片.png")
    assert stored.content_type == "image/png" and stored.uploaded_by == world.users["reporter"]
    bad = client.post(
        url, {"file": SimpleUploadedFile("假装.pdf", b"<script>alert(1)</script>")}, follow=True
    )
    assert "只接受" in bad.content.decode() and not Evidence.objects.filter(original_name="假装.pdf").exists()


def test_uploads_are_limited_in_size(world, settings):
    settings.BANGFU_UPLOAD_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("大.pdf", PDF + b"0" * (1024 * 1024))
    response = world.client("reporter").post(
        reverse("activities:evidence-upload", args=[world.pk("fair")]), {"file": big}, follow=True
    )
    assert (
        "文件超过 1 MB" in response.content.decode()
        and not Evidence.objects.filter(original_name="大.pdf").exists()
    )


def test_the_leader_may_not_upload(world):
    response = world.client("leader").post(
        reverse("activities:evidence-upload", args=[world.pk("fair")]),
        {"file": SimpleUploadedFile("x.pdf", PDF)},
    )
    assert response.status_code == 403


def test_evidence_is_deleted_by_its_uploader_or_the_office(world, django_capture_on_commit_callbacks):
    fair, other_png = world.records["fair"], world.evidence["other_png"]
    mine = evidence_add(name="我的.pdf", content=PDF, user=world.users["reporter"], activity=fair)
    theirs = evidence_add(name="他人.pdf", content=PDF, user=world.users["coordinator"], activity=fair)
    delete = {e: reverse("activities:evidence-delete", args=[e.pk]) for e in (mine, theirs, other_png)}
    assert world.client("lead").post(delete[mine]).status_code == 404  # outside its scope
    assert world.client("leader").post(delete[mine]).status_code == 403  # reads only
    # The reporter sees 周巷镇's file uploaded by someone else, but may not delete it.
    reporter = world.client("reporter")
    assert reporter.post(delete[theirs]).status_code == 403
    assert reporter.post(delete[other_png]).status_code == 404
    page = reporter.get(reverse("activities:detail", args=[fair.pk])).content.decode()
    assert delete[mine] in page and delete[theirs] not in page
    stored = Path(mine.file.path)
    assert stored.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        response = reporter.post(delete[mine])
    assert response.status_code == 302 and response["Location"].endswith("#evidence")
    assert not Evidence.objects.filter(pk=mine.pk).exists() and not stored.exists()
    coordinator = world.client("coordinator")
    assert coordinator.post(delete[theirs]).status_code == 302
    assert coordinator.post(delete[other_png]).status_code == 302  # (the file stays: not committed here)
    assert not Evidence.objects.filter(pk__in=[theirs.pk, other_png.pk]).exists()


def test_purchase_evidence_is_listed_and_uploaded_through_the_purchases_scope(world):
    url = reverse("activities:purchase-evidence", args=[world.purchase.pk])
    coordinator = world.client("coordinator")
    page = coordinator.get(url).content.decode()
    assert (
        "发票.pdf" in page
        and reverse("activities:evidence-preview", args=[world.evidence["bought_pdf"].pk]) in page
    )
    response = coordinator.post(url, {"file": SimpleUploadedFile("合同.pdf", PDF)})
    assert response.status_code == 302 and world.purchase.evidence.count() == 2
    assert world.client("reporter").post(url, {"file": SimpleUploadedFile("x.pdf", PDF)}).status_code == 404
    assert world.client("leader").post(url, {"file": SimpleUploadedFile("x.pdf", PDF)}).status_code == 403
    assert world.client("leader").get(url).status_code == 200 and world.purchase.evidence.count() == 2
    mine = reverse("activities:purchase-evidence", args=[world.records["factory"].purchase_id])
    assert world.client("reporter").get(mine).status_code == 200  # 周巷镇's own enterprise purchase


# --- the outlet directory ------------------------------------------------------------------------


def test_the_public_directory_works_anonymously_and_shows_no_private_fields(world, client):
    response = client.get(reverse("activities:outlets-public"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "周巷超市消费帮扶专柜" in html and "周巷镇兴业路1号" in html and "0574-6300000" in html
    assert "观海卫镇待审专柜" not in html  # not approved
    for private in (
        "月销售额",
        "35,000",
        "35000",
        "3500000",
        "周巷镇甲公司工会",
        "登记专柜",
        "/activities/records/",
    ):
        assert private not in html, private
    assert 'name="csrfmiddlewaretoken"' not in html and "sessionid" not in response.cookies


def test_the_public_directory_filters(world, client):
    url = reverse("activities:outlets-public")
    assert len(client.get(url, {"place_type": "超市"}).context["page"].items) == 1
    assert len(client.get(url, {"place_type": "社区"}).context["page"].items) == 0
    assert len(client.get(url, {"town": world.units["guanhaiwei"].pk}).context["page"].items) == 0
    assert len(client.get(url, {"town": world.units["zhouxiang"].pk}).context["page"].items) == 1
    assert "status" not in client.get(url).context["form"].fields


def test_a_closed_or_private_outlet_leaves_the_public_directory(world, client):
    counter = world.records["counter"]
    counter.details = {**counter.details, "status": "已关闭"}
    counter.save()
    assert "周巷超市消费帮扶专柜" not in client.get(reverse("activities:outlets-public")).content.decode()


def test_the_internal_directory_filters_and_is_scoped(world):
    url = reverse("activities:outlets")

    def titles(role: str, **params) -> set[str]:
        return {a.title for a, _cells in world.client(role).get(url, params).context["rows"]}

    assert titles("coordinator") == {"周巷超市消费帮扶专柜", "观海卫镇待审专柜"}
    assert titles("reporter") == {"周巷超市消费帮扶专柜"}
    assert titles("lead") == set()
    assert titles("coordinator", town=world.units["guanhaiwei"].pk) == {"观海卫镇待审专柜"}
    assert titles("coordinator", place_type="社区") == set()
    assert titles("coordinator", status="营业中") == {"周巷超市消费帮扶专柜", "观海卫镇待审专柜"}
    assert titles("coordinator", status="暂停") == set()
