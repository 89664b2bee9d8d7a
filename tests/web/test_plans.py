from __future__ import annotations

import pytest
from django.urls import reverse

from bangfu.plans.parsing import parse_table
from bangfu.plans.services import plan_import
from tests.test_cli import SEED_DOCX

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(cixi_orgs):
    return plan_import(parsed=parse_table(SEED_DOCX)).plan


@pytest.fixture
def user_client(client, make_user):
    client.force_login(make_user("leader"))
    return client


def test_anonymous_is_sent_to_login(client, seeded):
    response = client.get(reverse("plans:table"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_plan_table_shows_every_item_with_units_and_targets(
    user_client, seeded, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = user_client.get(reverse("plans:table-year", args=[2022]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2022年慈溪市消费帮扶工作任务分解表" in html
    assert html.count('class="code"') == 17
    assert "300.00万元" in html and "龙山镇（滨海区管委会）" in html
    assert "832平台" in html and "20%" in html


def test_the_page_is_chinese_by_default_and_english_on_request(user_client, seeded):
    assert "任务分解表" in user_client.get(reverse("plans:table")).content.decode()
    response = user_client.get(reverse("plans:table"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Task table" in response.content.decode()


def test_names_are_escaped(user_client, seeded):
    from bangfu.plans.models import Item

    item = Item.objects.first()
    item.content = "<script>alert(1)</script>"
    item.save()
    html = user_client.get(reverse("plans:table")).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
