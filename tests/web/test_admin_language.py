"""The admin site speaks Chinese to a Chinese user: every app and model it lists, ours and third-party."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_app_and_model_of_the_admin_site_has_a_chinese_name():
    with translation.override("zh-hans"):
        names = {
            (str(model._meta.app_config.verbose_name), str(model._meta.verbose_name_plural))
            for model in admin.site._registry
        }
    english = sorted(pair for pair in names if not all(CJK.search(name) for name in pair))
    assert not english, f"admin names without Chinese: {english}"


@pytest.mark.django_db
def test_the_admin_index_shows_no_english_app_names(make_user, client):
    user = make_user("coordinator")
    client.force_login(user)
    html = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for english in ("Audit log", "Axes", "Tasks Database Backend", "access attempts", "Task Results"):
        assert english not in html, english
