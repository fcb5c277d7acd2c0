"""The menu marks the page the user is on (aria-current and a class), decided from the request path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from plans.models import Plan
from registries.models import Department, User
from registries.templatetags.navigation import NAV_URL_NAMES, current_nav_url

pytestmark = pytest.mark.django_db


def _current(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" class="current" aria-current="page"', html)


def test_the_list_a_user_opens_is_the_one_marked(client: Client, alice: User) -> None:
    client.force_login(alice)
    html = client.get(reverse("registries:target_list")).content.decode()
    assert _current(html) == [reverse("registries:target_list")]


def test_a_page_under_a_menu_item_marks_that_item(client: Client, alice: User, amr: Department) -> None:
    plan = Plan.objects.create(owner=amr, year=2026, title="阳城县市场监督管理局2026年度双随机抽查计划")
    client.force_login(alice)
    html = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert _current(html) == [reverse("plans:list")]


def test_the_more_specific_item_wins() -> None:
    assert current_nav_url(reverse("registries:duplicate_list")) == reverse("registries:duplicate_list")
    assert current_nav_url(reverse("registries:target_list") + "123/") == reverse("registries:target_list")
    assert current_nav_url("/no-such-section/") is None


def test_every_menu_destination_is_known_to_the_tag() -> None:
    nav = (Path(settings.BASE_DIR) / "templates" / "partials" / "nav.html").read_text(encoding="utf-8")
    assert set(re.findall(r"\{% url '([\w:]+)'", nav)) == set(NAV_URL_NAMES)


def test_the_workbench_is_current_on_its_own_page_only(client: Client, alice: User) -> None:
    assert current_nav_url("/") == "/"
    assert current_nav_url(reverse("registries:target_list")) != "/"
    client.force_login(alice)
    home = client.get("/").content.decode()
    assert home.count('aria-current="page"') == 1
    assert re.search(r'<a href="/" data-todos="\d+" class="current" aria-current="page">', home)
    targets = client.get(reverse("registries:target_list")).content.decode()
    assert not re.search(r'<a href="/"[^>]*aria-current', targets)
