"""The workbench (`/`): each role opens on what it must do today, and the navigation counts it.

Time is frozen on 2026-05-20 (conftest); the world is a drawn grain task (March–October) with
four visits, ivan on every team.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspections.models import Visit, VisitStatus
from inspections.services.results import correction_request, result_submit
from plans.models import RatioKind, Task, TaskType
from publicity.workbench import todo_count
from registries.models import ImportJob, ImportKind, ImportStatus, Notification, NotificationLevel, User
from tests.factories import UserFactory
from tests.inspections.results.conftest import TODAY, World, entry

pytestmark = pytest.mark.django_db


def _nav_count(body: str) -> int:
    marker = 'data-todos="'
    start = body.index(marker) + len(marker)
    return int(body[start : body.index('"', start)])


def _home(client, user: User) -> str:  # type: ignore[no-untyped-def]
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _set(visit: Visit, **fields: object) -> Visit:
    Visit.objects.filter(pk=visit.pk).update(**fields)
    visit.refresh_from_db()
    return visit


def test_the_inspector_sees_overdue_visits_results_due_and_visits_open_today(client, world: World, ivan: User) -> None:
    missed, late, due, open_today = world.visits
    _set(missed, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 5, 10))
    _set(late, status=VisitStatus.DONE, visited_on=dt.date(2026, 4, 1), entry_deadline=dt.date(2026, 5, 6))
    due = _set(due, status=VisitStatus.DONE, visited_on=dt.date(2026, 5, 18), entry_deadline=dt.date(2026, 6, 16))

    body = _home(client, ivan)

    todos = body[body.index('id="todos"') :]
    assert "今天没有待办事项" not in todos
    for visit in (missed, late, due, open_today):
        assert reverse("inspections:visit_detail", args=[visit.pk]) in todos
    overdue = todos[todos.index("已逾期（2）") : todos.index("待录入结果（1）")]
    assert missed.target.name in overdue and late.target.name in overdue
    assert "检查期已于 2026-05-10 结束" in overdue
    days_left = due.working_days_left(TODAY)
    assert days_left is not None and days_left > 0
    to_enter = todos[todos.index("待录入结果（1）") : todos.index("今日可检查（1）")]
    assert due.target.name in to_enter and f"还剩 {days_left} 个工作日" in to_enter
    assert open_today.target.name in todos[todos.index("今日可检查（1）") :]
    assert "派给您的检查任务会显示在这里" not in body
    assert _nav_count(body) == 4


def test_an_inspector_with_nothing_to_do_is_told_so(client, world: World, ivan: User) -> None:
    Visit.objects.update(period_start=dt.date(2026, 6, 1), period_end=dt.date(2026, 10, 31))  # not open yet

    body = _home(client, ivan)

    assert "今天没有待办事项" in body
    assert reverse("inspections:visit_detail", args=[world.visits[0].pk]) not in body
    assert _nav_count(body) == 0


def test_the_leader_sees_the_corrections_waiting_for_a_decision(client, world: World, ivan: User, leo: User) -> None:
    result = result_submit(visit=world.visits[0], user=ivan, data=entry(world))
    correction = correction_request(
        result=result,
        user=ivan,
        reason="录入时漏记库存问题",
        proposed=entry(world, {1: ["0204"]}, findings="复核发现库存台账与实物不符"),
    )

    body = _home(client, leo)

    todos = body[body.index('id="todos"') :]
    assert "待您审批的更正申请（1）" in todos
    assert reverse("inspections:correction_detail", args=[correction.pk]) in todos
    assert world.visits[0].target.name in todos
    assert _nav_count(body) == 1


def test_a_leader_with_no_pending_correction_has_nothing_to_do(client, world: World, leo: User) -> None:
    body = _home(client, leo)
    assert "今天没有待办事项" in body
    assert _nav_count(body) == 0


def _task(world: World, number: int, name: str, start_month: int, end_month: int) -> Task:
    return Task.objects.create(
        plan=world.task.plan,
        number=number,
        name=name,
        scope_kinds=["enterprise"],
        scope_region=world.department.region,
        ratio_kind=RatioKind.PERCENT,
        ratio_percent=Decimal(5),
        times_per_year=1,
        start_month=start_month,
        end_month=end_month,
        initiator=world.department,
        task_type=TaskType.INTERNAL,
    )


def test_staff_see_imports_to_review_draws_to_run_and_windows_closing(client, world: World, alice: User) -> None:
    closing = _task(world, 2, "加油站计量器具专项抽查", 4, 5)  # open since April, ends 31 May: not drawn
    later = _task(world, 3, "食品生产企业监督抽查", 6, 9)  # window not open yet
    mine = ImportJob.objects.create(
        kind=ImportKind.TARGETS,
        department=world.department,
        created_by=alice,
        file="imports/2026/05/粮食收购企业名录.xlsx",
        original_name="粮食收购企业名录.xlsx",
        status=ImportStatus.PREVIEWED,
    )
    colleague = UserFactory(username="chen", full_name="陈静", role=alice.role, department=world.department)
    theirs = ImportJob.objects.create(
        kind=ImportKind.TARGETS,
        department=world.department,
        created_by=colleague,
        file="imports/2026/05/加油站名录.xlsx",
        original_name="加油站名录.xlsx",
        status=ImportStatus.PREVIEWED,
    )

    body = _home(client, alice)

    todos = body[body.index('id="todos"') : body.index("一单两库")]
    assert reverse("registries:import_detail", args=[mine.pk]) in todos
    assert reverse("registries:import_detail", args=[theirs.pk]) not in todos
    draws = todos[todos.index("检查期已开始、待抽取的任务（1）") : todos.index("15天内检查期结束")]
    assert reverse("inspections:task_draws", args=[closing.pk]) in draws
    closing_part = todos[todos.index("15天内检查期结束、尚未完成的任务（1）") :]
    assert closing.name in closing_part and "检查期至 2026-05-31" in closing_part
    # The drawn task ends in October; the June task is not open: neither is a to-do today.
    assert reverse("inspections:task_draws", args=[world.task.pk]) not in todos
    assert later.name not in todos
    # The registry counts stay below the to-dos.
    assert "本部门检查对象" in body[body.index("一单两库") - 2000 :]
    assert _nav_count(body) == 3


def test_the_office_gets_alerts_grouped_by_cause(client, world: World, olivia: User) -> None:
    for i in range(40):
        Notification.objects.create(
            user=olivia,
            key=f"result-overdue:visit-{1000 + i}",
            kind="result-overdue",
            level=NotificationLevel.ALARM,
            title=f"检查结果逾期未录入：阳城县第{i}粮油购销有限公司",
        )
    for name in ("阳城县教育局", "阳城县交通运输局"):
        Notification.objects.create(
            user=olivia, key=f"plan-late:{name}", kind="plan-late", title=f"年度抽查计划未按期公布：{name}"
        )
    Notification.objects.create(
        user=olivia,
        key="plan-late:read",
        kind="plan-late",
        title="已读",
        read_at=dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC),
    )

    body = _home(client, olivia)

    todos = body[body.index('id="todos"') : body.index("一单两库")]
    assert "检查结果逾期未录入" in todos and '<span class="badge">40</span>' in todos
    assert "年度抽查计划未按期公布" in todos and '<span class="badge">2</span>' in todos
    assert "阳城县第0粮油购销有限公司" not in todos  # one line per cause, not per row
    assert todos.index("检查结果逾期未录入") < todos.index("年度抽查计划未按期公布")
    assert _nav_count(body) == 2


@pytest.mark.parametrize("who", ["ivan", "leo", "alice", "olivia"])
def test_the_navigation_count_costs_at_most_two_queries(request, world: World, who: str) -> None:
    user = request.getfixturevalue(who)
    user = User.objects.get(pk=user.pk)
    user.get_all_permissions()  # as every page's navigation has already asked for them
    with CaptureQueriesContext(connection) as queries:
        todo_count(user, TODAY)
    assert len(queries) <= 2, [q["sql"][:300] for q in queries]
