"""抽查事项 of a task: its table text, or else the names of its linked checklist items, on every page."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from plans.models import Plan, PlanVersion, RatioKind, Task
from plans.services import plan_publish
from registries.models import ChecklistItem, Department, User
from tests.factories import ChecklistItemFactory, ChecklistItemVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def metrology() -> ChecklistItem:
    """An item whose name changed: the plan shows the version in force."""
    item = ChecklistItemFactory(code="SC-005")
    ChecklistItemVersionFactory(item=item, version=1, name="计量器具的监督检查", superseded_at=timezone.now())
    ChecklistItemVersionFactory(item=item, version=2, name="在用计量器具的监督检查", object_type="加油站")
    return item


@pytest.fixture
def plan(amr: Department, metrology: ChecklistItem) -> Plan:
    plan = Plan.objects.create(owner=amr, year=2026, title="阳城县市场监督管理局2026年度双随机抽查计划")
    task = Task.objects.create(
        plan=plan, number=1, name="加油站计量器具监督检查", scope_text="加油站", ratio_kind=RatioKind.PERCENT,
        ratio_percent=20, start_month=5, end_month=11, initiator=amr,
    )  # fmt: skip
    task.items.set([metrology])
    Task.objects.create(
        plan=plan, number=2, name="企业公示信息抽查", items_text="公示信息检查（表格原文）",
        ratio_kind=RatioKind.PERCENT, ratio_percent=2, start_month=3, end_month=11, initiator=amr,
    )  # fmt: skip
    return plan


def test_the_plan_page_shows_the_linked_items_or_the_table_text(client: Client, plan: Plan, alice: User) -> None:
    client.force_login(alice)
    body = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "SC-005 在用计量器具的监督检查" in body
    assert "公示信息检查（表格原文）" in body


def test_the_export_writes_the_linked_item_names_when_the_table_gave_no_text(
    client: Client, plan: Plan, alice: User
) -> None:
    client.force_login(alice)
    response = client.get(reverse("plans:export", args=[plan.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header = [c.value for c in sheet[2]]
    column = header.index("抽查事项")
    assert [row[column] for row in sheet.iter_rows(min_row=3, values_only=True)] == [
        "在用计量器具的监督检查",
        "公示信息检查（表格原文）",
    ]


def test_the_public_plan_shows_the_names_of_the_item_versions_it_was_published_with(
    client: Client, plan: Plan, alice: User, metrology: ChecklistItem
) -> None:
    plan_publish(plan=plan, user=alice)
    body = client.get(reverse("publicity:plan_detail", args=[plan.pk])).content.decode()
    assert "在用计量器具的监督检查" in body and "公示信息检查（表格原文）" in body


def test_a_snapshot_that_kept_only_codes_shows_the_names_of_those_versions(plan: Plan, alice: User) -> None:
    version = PlanVersion.objects.create(
        plan=plan,
        number=1,
        snapshot={
            "tasks": [
                {"number": 1, "name": "加油站", "items_text": "", "items": ["SC-005"], "item_versions": {"SC-005": 1}}
            ]
        },
    )
    assert [t["items_label"] for t in version.tasks] == ["计量器具的监督检查"]
