"""The demo county with its year of activity, for the dashboard and public-site journeys."""

from __future__ import annotations

import importlib
from io import StringIO
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from registries.models import User

PASSWORD = "Pa55word!x"


def ensure_seeded() -> None:
    """The rows data migrations seed (result categories, the holiday calendar): a transactional
    test that ran before (live_server, the real worker) emptied every table when it ended."""
    from inspections.models import CalendarYear, ResultCategory

    for model, migration in (
        (ResultCategory, "inspections.migrations.0005_seed_result_categories"),
        (CalendarYear, "inspections.migrations.0002_seed_calendar"),
    ):
        if not model.objects.exists():
            importlib.import_module(migration).seed(apps, None)


def load_demo_county(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """load_demo (5,000 targets) and load_demo_activity, at today's date (no frozen clock: the
    browser and the live server run in other threads and processes)."""
    ensure_seeded()
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", "--no-logins", "--targets", "5000", stdout=StringIO())
    call_command("load_demo_activity", stdout=StringIO())
    settings.DEBUG = False


def demo_user(username: str) -> User:
    """A demo account with a known password (demo passwords derive from SECRET_KEY)."""
    user = User.objects.get(username=username)
    user.set_password(PASSWORD)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    return user
