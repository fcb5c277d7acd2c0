"""The daily watch tells the people responsible about each deadline once, in the app and by email."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from inspections.workdays import working_days_between
from plans.models import Plan
from publicity.watch import daily_watch
from registries.models import Department, Notification, User
from tests.factories import DepartmentFactory, UserFactory
from tests.publicity.conftest import TODAY, County

pytestmark = pytest.mark.django_db


def _keys(user: User) -> set[str]:
    return set(Notification.objects.filter(user=user).values_list("key", flat=True))


def _watch_keys(user: User) -> set[str]:
    """The watch's own notifications (entries and corrections notify too)."""
    kinds = {"result-due", "result-overdue", "plan-late", "task-no-draw", "task-unfinished", "follow-up-overdue"}
    return set(Notification.objects.filter(user=user, kind__in=kinds).values_list("key", flat=True))


def test_it_notifies_each_cause_once_however_often_it_runs(  # type: ignore[no-untyped-def]
    county: County, alice: User, ivan: User, olivia: User, bob: User, django_capture_on_commit_callbacks
) -> None:
    alice.email = "wangli@yangcheng.gov.cn"
    alice.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        first = daily_watch(today=TODAY)
    overdue, follow_up, a3 = county.overdue_visit, county.open_follow_up, county.a3
    assert _watch_keys(alice) == {
        f"result-overdue:visit-{overdue.pk}",
        f"task-no-draw:task-{a3.pk}",
        f"follow-up-overdue:follow-up-{follow_up.pk}:20260515",
    }
    assert _watch_keys(ivan) == {f"result-overdue:visit-{overdue.pk}"}
    assert _watch_keys(olivia) == {f"task-no-draw:task-{a3.pk}"}
    assert _watch_keys(bob) == set()  # drc's b2 starts in September
    assert first["result-overdue"] == 2 and first["task-no-draw"] == 2
    subjects = [m.subject for m in mail.outbox if m.to == ["wangli@yangcheng.gov.cn"]]
    assert len(subjects) == 3 and any("逾期未录入" in s for s in subjects)

    with django_capture_on_commit_callbacks(execute=True):
        again = daily_watch(today=TODAY)
        tomorrow = daily_watch(today=TODAY + dt.timedelta(days=1))
    assert sum(again.values()) == 0
    assert {k: v for k, v in tomorrow.items() if v} == {}
    assert len([m for m in mail.outbox if m.to == ["wangli@yangcheng.gov.cn"]]) == 3


def test_it_warns_the_team_when_a_result_is_due_within_three_working_days(county: County, ivan: User) -> None:
    deadline = county.overdue_visit.entry_deadline
    assert deadline is not None
    before = deadline - dt.timedelta(days=1)
    while working_days_between(before, deadline) < 3:
        before -= dt.timedelta(days=1)
    too_early = before - dt.timedelta(days=1)
    while working_days_between(too_early, deadline) == 3:
        too_early -= dt.timedelta(days=1)

    assert daily_watch(today=too_early)["result-due"] == 0
    assert daily_watch(today=before)["result-due"] == 1
    note = Notification.objects.get(user=ivan, kind="result-due")
    assert county.grain[5].name in note.title and f"{deadline:%Y-%m-%d}" in note.body


def test_it_alarms_the_office_about_plans_not_published_by_30_april(county: County, olivia: User, region) -> None:  # type: ignore[no-untyped-def]
    edu = DepartmentFactory(name="阳城县教育局", region=region)
    zhou = UserFactory(username="zhou", full_name="周静", role="staff", department=edu)
    plan = Plan.objects.create(owner=edu, year=2026, title="阳城县教育局2026年度抽查计划")
    assert daily_watch(today=dt.date(2026, 4, 30))["plan-late"] == 0
    assert daily_watch(today=dt.date(2026, 5, 1))["plan-late"] == 2
    assert _keys(zhou) >= {f"plan-late:plan-{plan.pk}"}
    assert f"plan-late:plan-{plan.pk}" in _keys(olivia)


def test_it_alarms_about_tasks_not_finished_by_20_december(county: County, alice: User, bob: User) -> None:
    assert daily_watch(today=dt.date(2026, 12, 20))["task-unfinished"] == 0
    daily_watch(today=dt.date(2026, 12, 21))
    unfinished = {k for k in _keys(alice) if k.startswith("task-unfinished")}
    assert unfinished == {f"task-unfinished:task-{t.pk}" for t in (county.a1, county.a2, county.a3)}
    # b1 is finished (every visit entered); b2 was never drawn.
    assert {k for k in _keys(bob) if k.startswith("task-unfinished")} == {f"task-unfinished:task-{county.b2.pk}"}


def test_it_tells_a_follow_up_again_only_when_a_new_due_date_passes(county: County, alice: User) -> None:
    from inspections.models import StepKind
    from inspections.services.followups import follow_up_step_add

    daily_watch(today=TODAY)
    follow_up_step_add(
        follow_up=county.open_follow_up,
        user=alice,
        kind=StepKind.CASE,
        done_on=TODAY,
        due_on=dt.date(2026, 6, 30),
    )
    assert daily_watch(today=dt.date(2026, 6, 30))["follow-up-overdue"] == 0
    assert daily_watch(today=dt.date(2026, 7, 1))["follow-up-overdue"] == 1


def test_it_sends_nothing_to_departments_without_causes(county: County, region) -> None:  # type: ignore[no-untyped-def]
    quiet = DepartmentFactory(name="阳城县交通运输局", region=region)
    staff = UserFactory(username="jiao", role="staff", department=quiet)
    daily_watch(today=TODAY)
    assert not Notification.objects.filter(user=staff).exists()
    assert Department.objects.filter(pk=quiet.pk).exists()


def test_it_reaches_new_causes_however_many_old_ones_stay_open(county: County, ivan: User, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from inspections.models import Visit, VisitStatus
    from publicity import watch

    monkeypatch.setattr(watch, "CHUNK", 1)  # every open cause fills a chunk of its own
    watch.results_overdue_check(TODAY)
    told = _watch_keys(ivan)
    newly = (
        Visit.objects.filter(status=VisitStatus.PLANNED, coverage__drawn__team__inspector__user=ivan).distinct().first()
    )
    assert newly is not None
    newly.status, newly.visited_on, newly.entry_deadline = VisitStatus.DONE, TODAY - dt.timedelta(days=40), TODAY
    newly.save(update_fields=["status", "visited_on", "entry_deadline"])

    created = watch.results_overdue_check(TODAY + dt.timedelta(days=1))

    assert _watch_keys(ivan) - told == {f"result-overdue:visit-{newly.pk}"}
    assert created >= 1
