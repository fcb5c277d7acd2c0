"""The public site shows published plans without login, and never a credit-risk tier."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from credit_risk import services as credit_services
from plans.exporting import plan_to_dict, plan_to_xlsx
from plans.models import Plan
from plans.services import plan_import, plan_publish
from registries.models import Department, Region, Tag, User
from tests.factories import TargetFactory
from tests.plans.conftest import SAMPLES


@pytest.fixture
def plan(amr: Department, drc: Department, alice: User) -> Plan:
    Department.objects.create(name="阳城县统计局", short_name="统计局", level=amr.level, region=amr.region)
    return plan_import(path=SAMPLES / "plan-2022-county-drc.xlsx", year=2022, owner=amr, user=alice)


def test_it_hides_draft_plans_from_the_public(client: Client, plan: Plan) -> None:
    assert plan.title not in client.get(reverse("publicity:plan_list")).content.decode()
    assert client.get(reverse("publicity:plan_detail", args=[plan.pk])).status_code == 404


def test_it_shows_a_published_plan_without_login(client: Client, plan: Plan, alice: User) -> None:
    plan_publish(plan=plan, user=alice)
    listing = client.get(reverse("publicity:plan_list"))
    assert listing.status_code == 200 and plan.title in listing.content.decode()
    body = client.get(reverse("publicity:plan_detail", args=[plan.pk])).content.decode()
    assert "部门联合粮食企业监督检查" in body
    assert "40% 1次/年" in body
    assert "阳城县统计局" in body


def test_it_never_shows_a_tier_on_a_public_page_or_export(
    client: Client, plan: Plan, alice: User, amr: Department, region: Region
) -> None:
    tag = Tag.objects.create(name="粮食收购企业")
    risky = TargetFactory(department=amr, name="阳城县高风险粮油贸易有限公司")
    risky.tags.add(tag)
    credit_services.tier_set(target=risky, tier="D", reason="多次违法", user=alice)
    task = plan.tasks.get(number=1)
    task.scope_tags.add(tag)
    plan_publish(plan=plan, user=alice)
    pages = [
        client.get(reverse("publicity:plan_list")).content.decode(),
        client.get(reverse("publicity:plan_detail", args=[plan.pk])).content.decode(),
        client.get(reverse("publicity:plan_version", args=[plan.pk, 1])).content.decode(),
    ]
    workbook = openpyxl.load_workbook(io.BytesIO(plan_to_xlsx(plan_to_dict(plan))))
    cells = " ".join(str(c) for row in workbook.active.iter_rows(values_only=True) for c in row if c)
    assert "部门联合粮食企业监督检查" in cells
    exported = str(plan_to_dict(plan)) + cells
    for text in [*pages, exported]:
        assert "D 高风险" not in text
        assert risky.name not in text
        assert "共抽取" not in text
    # the staff page does show the per-tier counts, to staff who plan draws
    client.force_login(alice)
    staff = client.get(reverse("plans:task_allocation", args=[task.pk])).content.decode()
    assert "D 高风险" in staff


def test_it_never_shows_a_tier_to_an_inspector(
    client: Client, plan: Plan, ivan: User, alice: User, amr: Department
) -> None:
    target = TargetFactory(department=amr)
    credit_services.tier_set(target=target, tier="D", reason="多次违法", user=alice)
    client.force_login(ivan)
    for url in (
        reverse("credit_risk:target_tier", args=[target.pk]),
        reverse("credit_risk:policy_list"),
        reverse("credit_risk:warning_list"),
        reverse("plans:task_allocation", args=[plan.tasks.first().pk]),
        reverse("plans:detail", args=[plan.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "D 高风险" not in response.content.decode()
