"""A department listed as cooperating (配合部门) on a joint plan reads it; only its owner changes it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from plans.models import Adjustment, AdjustmentStatus, Plan, PlanStatus, RatioKind, Task, TaskType
from plans.selectors import plans_for
from registries.models import Department, Role, User
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def joint_plan(drc: Department, amr: Department) -> Plan:
    """The DRC's plan whose grain task the market regulation bureau cooperates in."""
    plan = Plan.objects.create(owner=drc, year=2026, title="阳城县发展和改革局2026年度抽查计划")
    task = Task.objects.create(
        plan=plan, number=1, name="部门联合粮食企业监督检查", scope_text="全县粮食收购企业",
        ratio_kind=RatioKind.PERCENT, ratio_percent=40, start_month=3, end_month=11, initiator=drc,
        task_type=TaskType.JOINT,
    )  # fmt: skip
    task.cooperating.add(amr)
    return plan


@pytest.fixture
def stranger(region) -> User:  # type: ignore[no-untyped-def]
    """Staff of a department the plan does not name."""
    edu = DepartmentFactory(name="阳城县教育局", short_name="县教育局", region=region)
    return UserFactory(username="chen", full_name="陈静", role=Role.STAFF, department=edu)


def test_a_cooperating_department_reads_the_joint_plan(client: Client, joint_plan: Plan, alice: User) -> None:
    assert list(plans_for(alice)) == [joint_plan]
    client.force_login(alice)
    assert client.get(reverse("plans:detail", args=[joint_plan.pk])).status_code == 200
    assert joint_plan.title in client.get(reverse("plans:list")).content.decode()
    assert client.get(reverse("plans:export", args=[joint_plan.pk, "json"])).status_code == 200


def test_a_department_not_named_on_the_plan_still_gets_404(client: Client, joint_plan: Plan, stranger: User) -> None:
    assert not plans_for(stranger).exists()
    client.force_login(stranger)
    assert client.get(reverse("plans:detail", args=[joint_plan.pk])).status_code == 404
    assert joint_plan.title not in client.get(reverse("plans:list")).content.decode()


def test_a_cooperating_department_cannot_change_the_plan(client: Client, joint_plan: Plan, alice: User) -> None:
    assert not alice.has_perm("plans.edit_plan", joint_plan)
    client.force_login(alice)
    body = client.get(reverse("plans:detail", args=[joint_plan.pk])).content.decode()
    assert reverse("plans:publish", args=[joint_plan.pk]) not in body
    assert client.post(reverse("plans:publish", args=[joint_plan.pk])).status_code == 403
    assert client.get(reverse("plans:adjustment_create", args=[joint_plan.pk])).status_code == 403
    task = joint_plan.tasks.get()
    assert client.get(reverse("plans:task_edit", args=[task.pk])).status_code == 404
    joint_plan.refresh_from_db()
    assert joint_plan.status == PlanStatus.DRAFT


def test_the_owner_still_changes_it(client: Client, joint_plan: Plan, bob: User) -> None:
    client.force_login(bob)
    client.post(reverse("plans:publish", args=[joint_plan.pk]))
    joint_plan.refresh_from_db()
    assert joint_plan.status == PlanStatus.PUBLISHED


@pytest.mark.parametrize(("status", "word"), [(AdjustmentStatus.FILED, "备案"), (AdjustmentStatus.RETURNED, "退回")])
def test_a_decided_adjustment_says_whether_it_was_filed_or_returned(
    client: Client, joint_plan: Plan, bob: User, olivia: User, status: str, word: str
) -> None:
    adjustment = Adjustment.objects.create(
        plan=joint_plan, reason="因机构改革调整第1项任务比例", scan="plan_adjustments/2026/letter.pdf",
        revised_table="plan_adjustments/2026/revised.xlsx", status=status, submitted_by=bob,
        decided_by=olivia, decided_at=timezone.now(), decision_note="已核",
    )  # fmt: skip
    client.force_login(bob)
    badge = f'">{word}</span> {olivia}'
    assert badge in client.get(reverse("plans:adjustment_list")).content.decode()
    assert badge in client.get(reverse("plans:adjustment_detail", args=[adjustment.pk])).content.decode()
    assert badge in client.get(reverse("plans:detail", args=[joint_plan.pk])).content.decode()
