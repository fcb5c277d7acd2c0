"""A small county for the publicity tests: two departments, five tasks, real draws and real entries.

Everything goes through the services (draw, visit_complete, result_submit, follow-up steps),
with time travelled from March to 20 May 2026 (a year whose holiday schedule is known). The
hand counts the dashboard tests check are written next to the data that makes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from inspections.models import DrawRound, FollowUp, ResultCategory, StepKind, Visit
from inspections.services.draws import draw_round_open, draw_round_run, draw_round_start
from inspections.services.followups import follow_up_step_add
from inspections.services.results import result_submit, visit_complete, visit_slots
from plans.models import Plan, PlanStatus, RatioKind, Task, TaskType
from registries.models import ChecklistItem, Department, Role, Tag, Target, User
from tests.factories import ChecklistItemVersionFactory, ItemClaimFactory, UserFactory
from tests.inspections.draw_fixtures import make_officers, make_targets
from tests.plans.conftest import _media_in_tmp, city_amr, city_region  # noqa: F401 (fixtures)

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 5, 20)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=SHANGHAI)


def category(code: str) -> ResultCategory:
    return ResultCategory.objects.get(scheme="2024", code=code)


def entry_for(visit: Visit, *, problem_task: Task | None = None, completed_on: dt.date) -> dict[str, object]:
    """未发现问题 for every slot, except 未按规定公示应当公示的信息 on the slots of `problem_task`."""
    items = {}
    problem = False
    for slot in visit_slots(visit):
        if problem_task is not None and slot.task.pk == problem_task.pk:
            items[slot.key] = [category("0201").pk]
            problem = True
        else:
            items[slot.key] = [category("01").pk]
    findings = "企业未按规定公示年度报告中的行政许可信息。" if problem else ""
    return {"completed_on": completed_on.isoformat(), "findings": findings, "items": items}


@dataclass
class County:
    amr: Department
    drc: Department
    a1: Task  # tiered, grain, item 1
    a2: Task  # untiered, grain, item 3: draws the same 8 targets, merged into a1's visits
    a3: Task  # period started in March, never drawn
    b1: Task  # untiered, fuel, item 2
    b2: Task  # starts in September, not drawn yet
    grain: list[Target]  # tiers A A B B B B C D
    fuel: list[Target]
    rounds: list[DrawRound]
    late_visit: Visit
    overdue_visit: Visit
    open_follow_up: FollowUp
    closed_follow_up: FollowUp

    def visit_of(self, target: Target) -> Visit:
        return Visit.objects.get(target=target)


def _task(plan: Plan, number: int, name: str, tag: Tag, *, tiers: bool, start: int, end: int) -> Task:
    task = Task.objects.create(
        plan=plan,
        number=number,
        name=name,
        scope_kinds=["enterprise"],
        ratio_kind=RatioKind.PERCENT,
        ratio_percent=Decimal(100),
        times_per_year=1,
        uses_tiers=tiers,
        start_month=start,
        end_month=end,
        initiator=plan.owner,
        task_type=TaskType.INTERNAL,
    )
    task.scope_tags.add(tag)
    return task


def _draw(task: Task, user: User) -> DrawRound:
    draw_round = draw_round_open(task=task, user=user)
    draw_round_start(draw_round=draw_round, user=user, entropy="2026 体彩 03 11 27")
    return draw_round_run(round_id=draw_round.pk)


@pytest.fixture
def ben(drc: Department) -> User:
    """An inspector of the development and reform bureau."""
    return UserFactory(username="ben", full_name="陈斌", role=Role.INSPECTOR, department=drc)


@pytest.fixture
def county(  # type: ignore[no-untyped-def]
    time_machine,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
    amr: Department,
    drc: Department,
    alice: User,
    bob: User,
    ivan: User,
    ben: User,
) -> County:
    """Results are published by the on-commit receiver: the callbacks run as if each entry committed."""
    with django_capture_on_commit_callbacks(execute=True):
        return _county(time_machine, settings, tmp_path, amr, drc, alice, bob, ivan, ben)


def _county(  # type: ignore[no-untyped-def]
    time_machine, settings, tmp_path, amr: Department, drc: Department, alice: User, bob: User, ivan: User, ben: User
) -> County:
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(at(dt.date(2026, 3, 2)), tick=False)
    grain_tag = Tag.objects.create(name="粮食收购企业")
    fuel_tag = Tag.objects.create(name="加油站")
    grain = make_targets(8, amr)
    for target in grain:
        target.tags.add(grain_tag)
    fuel = make_targets(4, drc, tiers="-")
    for i, target in enumerate(fuel):
        target.name = f"阳城县凤城{i + 1}号加油站有限公司"
        target.industry = "成品油零售"
        target.save(update_fields=["name", "industry"])
        target.tags.add(fuel_tag)
    officers_a = make_officers(2, amr)
    officers_a[0].user = ivan
    officers_a[0].save()
    officers_b = make_officers(2, drc)
    officers_b[0].user = ben
    officers_b[0].save()
    items = [
        ChecklistItemVersionFactory(item__code="SJ-LS-001", name="粮食收购资格检查").item,
        ChecklistItemVersionFactory(item__code="SJ-JY-001", name="成品油零售经营资格检查").item,
        ChecklistItemVersionFactory(item__code="SJ-LS-002", name="粮食库存数量和质量检查").item,
    ]
    claims: list[tuple[ChecklistItem, Department]] = [(items[0], amr), (items[1], drc), (items[2], amr)]
    for item, department in claims:
        ItemClaimFactory(item=item, department=department)
    plan_a = Plan.objects.create(
        owner=amr, year=2026, title="阳城县市场监督管理局2026年度抽查计划", status=PlanStatus.PUBLISHED
    )
    plan_b = Plan.objects.create(
        owner=drc, year=2026, title="阳城县发展和改革局2026年度抽查计划", status=PlanStatus.PUBLISHED
    )
    a1 = _task(plan_a, 1, "粮食收购企业双随机抽查", grain_tag, tiers=True, start=3, end=10)
    a1.items.set([items[0]])
    a2 = _task(plan_a, 2, "粮食库存检查", grain_tag, tiers=False, start=3, end=11)
    a2.items.set([items[2]])
    a3 = _task(plan_a, 3, "食品生产企业监督检查", grain_tag, tiers=False, start=3, end=10)
    b1 = _task(plan_b, 1, "成品油零售企业双随机抽查", fuel_tag, tiers=False, start=3, end=10)
    b1.items.set([items[1]])
    b2 = _task(plan_b, 2, "价格监督检查", fuel_tag, tiers=False, start=9, end=11)
    rounds = [_draw(a1, alice), _draw(a2, alice), _draw(b1, bob)]
    assert Visit.objects.count() == 12  # a2 joined a1's eight visits

    def visit(target: Target) -> Visit:
        return Visit.objects.get(target=target)

    # The late entry: visited 10 March, entered 6 May (the window closed on 8 April).
    time_machine.move_to(at(dt.date(2026, 3, 10)), tick=False)
    late = visit_complete(visit=visit(grain[0]), user=ivan, visited_on=dt.date(2026, 3, 10))
    time_machine.move_to(at(dt.date(2026, 5, 6)), tick=False)
    result_submit(visit=late, user=ivan, data=entry_for(late, completed_on=dt.date(2026, 3, 10)))

    # On time: grain 1 and 2 with a problem found under a1 (tiers A and B), grain 3 and 4 without.
    time_machine.move_to(at(dt.date(2026, 5, 11)), tick=False)
    for i in (1, 2, 3, 4):
        v = visit_complete(visit=visit(grain[i]), user=ivan, visited_on=dt.date(2026, 5, 11))
        result_submit(
            visit=v,
            user=ivan,
            data=entry_for(v, problem_task=a1 if i in (1, 2) else None, completed_on=dt.date(2026, 5, 11)),
        )
    # Fuel: all four visited and entered, fuel 0 with a problem.
    for i, target in enumerate(fuel):
        v = visit_complete(visit=visit(target), user=ben, visited_on=dt.date(2026, 5, 11))
        result_submit(
            visit=v, user=ben, data=entry_for(v, problem_task=b1 if i == 0 else None, completed_on=dt.date(2026, 5, 11))
        )
    # Follow-ups: grain 1's ordered to rectify by 15 May (overdue on the 20th), grain 2's closed.
    open_fu = FollowUp.objects.get(target=grain[1])
    follow_up_step_add(
        follow_up=open_fu,
        user=alice,
        kind=StepKind.RECTIFY,
        done_on=dt.date(2026, 5, 11),
        due_on=dt.date(2026, 5, 15),
        note="责令五日内改正",
    )
    closed_fu = FollowUp.objects.get(target=grain[2])
    follow_up_step_add(
        follow_up=closed_fu,
        user=alice,
        kind=StepKind.RECTIFY,
        done_on=dt.date(2026, 5, 11),
        due_on=dt.date(2026, 5, 18),
        note="责令改正",
    )
    follow_up_step_add(follow_up=closed_fu, user=alice, kind=StepKind.RECTIFIED, done_on=dt.date(2026, 5, 11))
    follow_up_step_add(
        follow_up=closed_fu, user=alice, kind=StepKind.CLOSE, done_on=dt.date(2026, 5, 11), note="已补报年度报告信息"
    )
    # Overdue: grain 5 visited 10 April, not entered; the window closed on 11 May.
    time_machine.move_to(at(dt.date(2026, 4, 10)), tick=False)
    overdue = visit_complete(visit=visit(grain[5]), user=ivan, visited_on=dt.date(2026, 4, 10))
    # Grain 6 and 7 are still to visit.
    time_machine.move_to(at(TODAY), tick=False)
    closed_fu.refresh_from_db()
    open_fu.refresh_from_db()
    overdue.refresh_from_db()
    late.refresh_from_db()
    return County(amr, drc, a1, a2, a3, b1, b2, grain, fuel, rounds, late, overdue, open_fu, closed_fu)


@pytest.fixture
def office(olivia: User) -> User:
    return olivia
