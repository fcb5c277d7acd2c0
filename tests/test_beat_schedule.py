"""Every beat entry names a task the worker knows, so a typo cannot silently disable a duty."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery_app import app
from registries.models import Role
from tests.factories import UserFactory


def test_it_schedules_only_registered_tasks() -> None:
    app.loader.import_default_modules()
    assert settings.CELERY_BEAT_SCHEDULE
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"beat entry {name} names an unknown task {entry['task']}"


@pytest.mark.django_db
def test_it_disables_long_unused_accounts_from_the_daily_task(amr) -> None:  # type: ignore[no-untyped-def]
    from registries.tasks import disable_inactive_users_task

    dormant = UserFactory(username="dormant", role=Role.STAFF, department=amr)
    dormant.last_login = timezone.now() - dt.timedelta(days=200)
    dormant.save(update_fields=["last_login"])
    recent = UserFactory(username="recent", role=Role.STAFF, department=amr)
    recent.last_login = timezone.now() - dt.timedelta(days=3)
    recent.save(update_fields=["last_login"])
    disable_inactive_users_task.delay()
    dormant.refresh_from_db()
    recent.refresh_from_db()
    assert not dormant.is_active
    assert recent.is_active


def test_it_runs_the_deadline_watch_every_morning() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["publicity-daily-watch"]
    assert entry["task"] == "publicity.daily_watch"
    assert entry["schedule"].hour == {6} and entry["schedule"].minute == {30}


def test_it_requeues_stuck_draw_rounds_every_minute() -> None:
    # A round whose start found the broker down waits at most a minute after its return
    # (tests/inspections/test_draw_start.py); a running round is requeued only past its time limit.
    entry = settings.CELERY_BEAT_SCHEDULE["inspections-requeue-stuck-draws"]
    assert entry["task"] == "inspections.requeue_stuck_draws"
    assert entry["schedule"].minute == set(range(60))


def test_it_refreshes_the_dashboard_figures_every_five_minutes() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["publicity-dashboard-refresh"]
    assert entry["task"] == "publicity.dashboard_refresh"
    assert entry["schedule"].minute == set(range(0, 60, 5))


@pytest.mark.django_db
def test_it_warns_the_administrators_in_december_while_next_year_is_missing(time_machine) -> None:  # type: ignore[no-untyped-def]
    from inspections.models import CalendarYear
    from inspections.tasks import calendar_check
    from registries.models import Notification

    entry = settings.CELERY_BEAT_SCHEDULE["inspections-calendar-check"]
    assert entry["task"] == "inspections.calendar_check"
    admin = UserFactory(username="sam", role=Role.SYSTEM_ADMIN, department=None)
    next_year = dt.date.today().year + 1
    CalendarYear.objects.filter(year=next_year).delete()

    time_machine.move_to(dt.datetime(next_year - 1, 11, 30, 9, tzinfo=dt.UTC))
    assert calendar_check.delay().get() is None
    time_machine.move_to(dt.datetime(next_year - 1, 12, 1, 9, tzinfo=dt.UTC))
    assert calendar_check.delay().get() == next_year
    assert calendar_check.delay().get() == next_year  # told once, not every day anew

    notes = Notification.objects.filter(user=admin, kind="calendar_missing")
    assert [n.key for n in notes] == [f"calendar-missing:{next_year}"]
    assert notes.get().level == "alarm"
