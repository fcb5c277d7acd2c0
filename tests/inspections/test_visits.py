"""进一次门，查多项事: targets drawn by several tasks with overlapping periods are visited once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from inspections.models import DrawnTarget, DrawRound, Visit, VisitStatus
from inspections.selectors import inspector_visits, round_visits_done, visit_teams, visits_saved
from inspections.services.draws import draw_round_open, draw_round_run, draw_round_start
from inspections.services.results import visit_complete
from plans.models import Task
from registries.models import User
from tests.inspections.draw_fixtures import YEAR, make_officers, make_targets, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(_draw_media) -> None:  # type: ignore[no-untyped-def]
    pass


def _drawn(task: Task, user: User) -> DrawRound:
    draw_round = draw_round_open(task=task, user=user)
    draw_round_start(draw_round=draw_round, user=user)
    return draw_round_run(round_id=draw_round.pk)


@pytest.fixture
def two_tasks(alice: User, bob: User) -> tuple[Task, Task]:
    """Two departments each draw all of the same 6 enterprises: one in Mar-Jul, one in Jun-Oct."""
    assert alice.department is not None and bob.department is not None
    make_targets(6, alice.department, tiers="-")
    make_officers(3, alice.department)
    make_officers(3, bob.department)
    first = make_task(alice.department, uses_tiers=False, percent="100", start_month=3, end_month=7)
    second = make_task(bob.department, uses_tiers=False, percent="100", start_month=6, end_month=10)
    second.scope_region = alice.department.region
    second.save()
    return first, second


def test_it_merges_overlapping_tasks_into_one_visit(two_tasks: tuple[Task, Task], alice: User, bob: User) -> None:
    first, second = two_tasks
    _drawn(first, alice)
    _drawn(second, bob)

    assert Visit.objects.count() == 6
    visit = Visit.objects.first()
    assert visit is not None
    assert (visit.period_start, visit.period_end) == (dt.date(YEAR, 6, 1), dt.date(YEAR, 7, 31))
    assert visit.coverage.count() == 2
    departments = set(visit_teams(visit).values_list("department_id", flat=True))
    assert departments == {alice.department_id, bob.department_id}
    assert visits_saved(first.plan) == 6
    assert visits_saved(second.plan) == 6


def test_it_keeps_visits_apart_when_periods_do_not_overlap(alice: User, time_machine) -> None:  # type: ignore[no-untyped-def]
    assert alice.department is not None
    make_targets(4, alice.department, tiers="-")
    make_officers(4, alice.department)
    spring = make_task(alice.department, number=1, uses_tiers=False, percent="100", start_month=3, end_month=4)
    autumn = make_task(alice.department, number=2, uses_tiers=False, percent="100", start_month=9, end_month=10)

    time_machine.move_to(dt.datetime(YEAR, 3, 2, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    _drawn(spring, alice)
    time_machine.move_to(dt.datetime(YEAR, 9, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    _drawn(autumn, alice)

    assert Visit.objects.count() == 8
    assert visits_saved(spring.plan) == 0


def test_it_shows_an_inspector_only_their_own_visits_and_lets_them_complete_one(alice: User, ivan: User) -> None:
    assert alice.department is not None
    make_targets(10, alice.department, tiers="-")
    officers = make_officers(4, alice.department)
    officers[0].user = ivan
    officers[0].save()
    task = make_task(alice.department, uses_tiers=False, percent="100")
    draw_round = _drawn(task, alice)

    mine = list(inspector_visits(ivan))

    assert mine, "ivan is on some teams (4 officers, 10 targets, 2 per team)"
    assert len(mine) < Visit.objects.count()
    assert all(visit_teams(v).filter(inspector=officers[0]).exists() for v in mine)
    assert not inspector_visits(alice).exists()
    other = Visit.objects.exclude(pk__in=[v.pk for v in mine]).first()
    assert other is not None
    with pytest.raises(PermissionDenied):
        visit_complete(visit=other, user=ivan, visited_on=dt.date(YEAR, 5, 6))
    done = visit_complete(visit=mine[0], user=ivan, visited_on=dt.date(YEAR, 5, 6))
    assert done.status == VisitStatus.DONE
    assert not round_visits_done(draw_round)
    Visit.objects.update(status=VisitStatus.DONE, visited_on=dt.date(YEAR, 5, 7))
    assert round_visits_done(draw_round)


def test_it_takes_a_redrawn_rounds_targets_out_of_their_visits(alice: User) -> None:
    from inspections.services.draws import draw_round_redraw

    assert alice.department is not None
    make_targets(30, alice.department, tiers="-")
    make_officers(4, alice.department)
    task = make_task(alice.department, uses_tiers=False, percent="10")
    first = _drawn(task, alice)
    redraw = draw_round_redraw(draw_round=first, user=alice, reason="抽取时范围设置错误，依程序重新抽取")
    draw_round_start(draw_round=redraw, user=alice)
    second = draw_round_run(round_id=redraw.pk)

    assert not DrawnTarget.objects.filter(round=first, coverage__isnull=False).exists()
    assert DrawnTarget.objects.filter(round=second, coverage__isnull=True).count() == 0
    assert Visit.objects.count() == second.drawn_count
