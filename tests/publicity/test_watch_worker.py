"""The beat schedule's daily watch, run by the real Celery worker on PostgreSQL and Redis.

The worker runs at the real date (time cannot be frozen in another process), so the data is
built relative to today.
"""

from __future__ import annotations

import datetime as dt

import pytest
from celery import Celery
from django.conf import settings
from django.utils import timezone

from inspections.models import (
    DrawnTarget,
    DrawRound,
    Result,
    RoundStatus,
    TeamMember,
    Visit,
    VisitCoverage,
    VisitStatus,
)
from plans.models import Plan, PlanStatus, RatioKind, Task
from publicity.models import IssueKind, PublicationIssue, PublishedResult
from registries.models import Department, Notification, User
from tests.factories import InspectorFactory, TargetFactory

pytestmark = pytest.mark.celery_worker


def _county(amr: Department, alice: User, ivan: User) -> dict[str, int]:
    today = timezone.localdate()
    plan = Plan.objects.create(
        owner=amr, year=today.year, title=f"阳城县市场监督管理局{today.year}年度抽查计划", status=PlanStatus.PUBLISHED
    )
    drawn_task = Task.objects.create(
        plan=plan, number=1, name="粮食收购企业双随机抽查", ratio_kind=RatioKind.PERCENT, initiator=amr, start_month=1
    )
    idle_task = Task.objects.create(
        plan=plan, number=2, name="食品生产企业监督检查", ratio_kind=RatioKind.PERCENT, initiator=amr, start_month=1
    )
    draw_round = DrawRound.objects.create(
        task=drawn_task,
        round_no=1,
        status=RoundStatus.DONE,
        commitment="0" * 64,
        secret="1" * 64,
        seed="2" * 64,
        counts={"-": 2},
        started_by=alice,
        finished_at=timezone.now(),
    )
    officer = InspectorFactory(department=amr, region=amr.region, name="张军", user=ivan)
    visits = []
    for i, status in enumerate((VisitStatus.DONE, VisitStatus.ENTERED)):
        target = TargetFactory(department=amr, region=amr.region, name=f"阳城县康乐{i}号粮油贸易有限公司")
        drawn = DrawnTarget.objects.create(
            round=draw_round, target=target, key=target.credit_code, tier="-", ticket=str(i) * 64, rank=i + 1
        )
        TeamMember.objects.create(drawn=drawn, inspector=officer, department=amr)
        visit = Visit.objects.create(
            target=target,
            period_start=dt.date(today.year, 1, 1),
            period_end=dt.date(today.year, 12, 20),
            status=status,
            visited_on=today - dt.timedelta(days=40),
            entry_deadline=today - dt.timedelta(days=10),
        )
        VisitCoverage.objects.create(visit=visit, drawn=drawn)
        visits.append(visit)
    # Entered without going through the publication (as if the receiver had crashed).
    result = Result.objects.create(
        visit=visits[1],
        completed_on=visits[1].visited_on,
        deadline=visits[1].entry_deadline,
        entered_by=ivan,
    )
    return {"overdue": visits[0].pk, "entered": visits[1].pk, "result": result.pk, "idle": idle_task.pk}


def test_it_runs_the_scheduled_watch_in_the_worker(  # type: ignore[no-untyped-def]
    celery_worker: Celery, amr: Department, alice: User, ivan: User, olivia: User
) -> None:
    ids = _county(amr, alice, ivan)
    name = settings.CELERY_BEAT_SCHEDULE["publicity-daily-watch"]["task"]

    created = celery_worker.send_task(name, queue=celery_worker.conf.task_default_queue).get(timeout=90)

    assert created["result-overdue"] == 2  # ivan (on the team) and alice (staff of the initiator)
    assert created["publication-missing"] == 1
    assert set(Notification.objects.filter(user=ivan).values_list("key", flat=True)) == {
        f"result-overdue:visit-{ids['overdue']}"
    }
    assert f"task-no-draw:task-{ids['idle']}" in set(
        Notification.objects.filter(user=alice).values_list("key", flat=True)
    )
    assert Notification.objects.filter(user=olivia, key=f"publication-missing:result-{ids['result']}").exists()
    assert PublishedResult.objects.filter(visit_id=ids["entered"]).count() == 1
    assert PublicationIssue.objects.get(result_id=ids["result"]).kind == IssueKind.MISSING

    again = celery_worker.send_task(name, queue=celery_worker.conf.task_default_queue).get(timeout=90)
    assert sum(again.values()) == 0
