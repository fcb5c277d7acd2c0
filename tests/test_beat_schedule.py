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
