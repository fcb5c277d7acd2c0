"""Plan checks and the 30 April publication flag."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from plans.models import Plan, PlanStatus, Task, TaskType
from plans.selectors import late_plans, plan_checks
from registries.models import Department, Level
from tests.factories import ChecklistItemVersionFactory, DepartmentFactory, ItemClaimFactory


def _task(plan: Plan, number: int, **fields: object) -> Task:
    defaults: dict[str, object] = {
        "name": f"任务{number}",
        "ratio_kind": "percent",
        "ratio_percent": 5,
        "start_month": 3,
        "end_month": 11,
        "initiator": plan.owner,
        "scope_text": "全县粮食收购企业",
    }
    return Task.objects.create(plan=plan, number=number, **(defaults | fields))


@pytest.fixture
def plan(drc: Department) -> Plan:
    return Plan.objects.create(owner=drc, year=2026, title="阳城县发展和改革局2026年度双随机抽查工作计划")


def _kinds(plan: Plan) -> list[str]:
    return [f.kind for f in plan_checks(plan)]


def test_it_finds_nothing_wrong_with_a_sound_plan(plan: Plan) -> None:
    item = ChecklistItemVersionFactory().item
    ItemClaimFactory(item=item, department=plan.owner)
    _task(plan, 1).items.add(item)
    assert plan_checks(plan) == []


def test_it_flags_claimed_items_no_task_covers(plan: Plan) -> None:
    item = ChecklistItemVersionFactory().item
    ItemClaimFactory(item=item, department=plan.owner)
    _task(plan, 1)
    findings = plan_checks(plan)
    assert [f.kind for f in findings] == ["uncovered_item"]
    assert "粮食收购资格及粮食收购活动的检查" in findings[0].message


def test_it_flags_tasks_running_past_20_december(plan: Plan) -> None:
    _task(plan, 1, end_month=12)
    assert _kinds(plan) == ["ends_late"]


def test_it_flags_tasks_crowded_into_the_second_half(plan: Plan) -> None:
    _task(plan, 1, start_month=7)
    _task(plan, 2, start_month=9)
    _task(plan, 3, start_month=3)
    assert _kinds(plan) == ["second_half"]


def test_it_flags_an_internal_task_duplicating_a_joint_one(plan: Plan, amr: Department) -> None:
    item = ChecklistItemVersionFactory().item
    joint = _task(plan, 1, task_type=TaskType.JOINT)
    joint.cooperating.add(amr)
    joint.items.add(item)
    _task(plan, 2, task_type=TaskType.INTERNAL).items.add(item)
    assert _kinds(plan) == ["internal_duplicates_joint"]


def test_it_flags_a_lower_level_task_duplicating_a_published_higher_level_one(plan: Plan) -> None:
    item = ChecklistItemVersionFactory().item
    city = DepartmentFactory(name="晋城市发展和改革委员会", level=Level.CITY)
    city_plan = Plan.objects.create(owner=city, year=2026, title="市计划", status=PlanStatus.PUBLISHED)
    _task(city_plan, 1, scope_text="全市粮食收购企业").items.add(item)
    _task(plan, 1).items.add(item)
    assert _kinds(plan) == ["lower_duplicates_higher"]


def test_it_flags_departments_without_a_task_in_the_office_plan(olivia, drc: Department, amr: Department) -> None:  # type: ignore[no-untyped-def]
    office_plan = Plan.objects.create(owner=olivia.department, year=2026, title="县级联合抽查计划")
    ItemClaimFactory(item=ChecklistItemVersionFactory().item, department=amr)
    claimed = ItemClaimFactory(item=ChecklistItemVersionFactory().item, department=drc)
    _task(office_plan, 1, initiator=drc).items.add(claimed.item)
    findings = plan_checks(office_plan)
    assert "department_without_task" in [f.kind for f in findings]
    assert any(f.message == "阳城县市场监督管理局 没有抽查任务" for f in findings)


def test_it_flags_plans_not_published_by_30_april(plan: Plan, amr: Department) -> None:
    on_time = Plan.objects.create(
        owner=amr,
        year=2026,
        title="按时",
        status=PlanStatus.PUBLISHED,
        published_at=timezone.make_aware(dt.datetime(2026, 4, 20, 10)),
    )
    assert list(late_plans(dt.date(2026, 4, 30))) == []
    assert list(late_plans(dt.date(2026, 5, 1))) == [plan]
    assert plan.is_late(dt.date(2026, 5, 1)) and not on_time.is_late(dt.date(2026, 5, 1))
