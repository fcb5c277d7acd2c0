"""The public front door: `/` and `/public/` without login, the site identity footer, error pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from plans.models import Plan, PlanStatus
from publicity.models import PublishedResult
from registries.models import Department, User
from tests.publicity.conftest import County

pytestmark = pytest.mark.django_db


def test_the_anonymous_visitor_of_the_root_gets_the_public_portal(client: Client) -> None:
    response = client.get("/", follow=True)
    assert response.redirect_chain == [(reverse("publicity:index"), 302)]
    body = response.content.decode()
    for name in ("publicity:plan_list", "publicity:checklist", "publicity:result_list", "publicity:draw_list"):
        assert f'href="{reverse(name)}"' in body
    # The site title leads the public back to the portal, not to the staff login.
    assert f'class="brand" href="{reverse("publicity:index")}"' in body


def test_a_signed_in_user_gets_the_workbench_at_the_root(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.get("/")
    assert response.status_code == 200
    assert "counts" in response.context


def test_the_portal_lists_published_plans_and_results_but_no_draft(
    client: Client, county: County, amr: Department
) -> None:
    Plan.objects.create(
        owner=amr, year=2027, title="阳城县市场监督管理局2027年度抽查计划（草稿）", status=PlanStatus.DRAFT
    )
    newest = PublishedResult.objects.order_by("-completed_on", "-id").first()
    assert newest is not None

    body = client.get(reverse("publicity:index")).content.decode()

    assert "阳城县市场监督管理局2026年度抽查计划" in body
    assert "2027年度抽查计划（草稿）" not in body
    assert newest.target_name in body
    assert reverse("publicity:result_detail", args=[newest.pk]) in body


def test_the_footer_carries_the_site_identity_from_settings(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_SPONSOR = "阳城县市场监督管理局"
    settings.SITE_CODE = "1405220001"
    settings.SITE_ICP = "晋ICP备05001234号"
    body = client.get(reverse("publicity:index")).content.decode()
    footer = body[body.index('<footer class="site-footer">') :]
    assert "主办单位：阳城县市场监督管理局" in footer
    assert "网站标识码：1405220001" in footer
    assert "晋ICP备05001234号" in footer


def test_the_footer_leaves_out_what_is_not_configured(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_SPONSOR = settings.SITE_CODE = settings.SITE_ICP = settings.SITE_PSB = settings.SITE_CONTACT = ""
    footer = client.get(reverse("publicity:index")).content.decode().split('<footer class="site-footer">')[1]
    assert "主办单位" not in footer
    assert "网站标识码" not in footer


def test_a_missing_page_is_answered_in_the_sites_layout_with_a_way_back(client: Client) -> None:
    response = client.get("/public/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body
    assert f'href="{reverse("publicity:index")}"' in body
    assert f'href="{reverse("login")}"' in body


def test_a_forbidden_page_says_why_in_chinese_and_in_english(client: Client, ivan: User) -> None:
    # Inspectors do not manage plans (tests/plans/test_views.py): a 403.
    plan = Plan.objects.create(owner=ivan.department, year=2026, title="计划", published_at=timezone.now())
    client.force_login(ivan)
    response = client.get(reverse("plans:detail", args=[plan.pk]))
    assert response.status_code == 403
    body = response.content.decode()
    assert "无权访问" in body
    assert f'href="{reverse("home")}"' in body

    client.cookies["django_language"] = "en"
    english = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "Access denied" in english
    assert "无权访问" not in english


def test_the_server_error_page_renders_without_a_request_context(rf) -> None:  # type: ignore[no-untyped-def]
    from django.utils import translation
    from django.views.defaults import server_error

    with translation.override("zh-hans"):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统错误" in body
    assert f'href="{reverse("publicity:index")}"' in body
