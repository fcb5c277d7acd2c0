"""Fixtures of the draw, matching and visit tests (helpers in draw_fixtures.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from credit_risk.models import TierPolicy
from plans.models import Task
from registries.models import User
from tests.inspections.draw_fixtures import YEAR, make_officers, make_targets, make_task

# A day inside the tasks' default window (March–October of YEAR): outside its window a draw
# needs a reason (tests/inspections/test_draw_window.py), which the other tests do not give.
INSIDE_WINDOWS = dt.datetime(YEAR, 6, 15, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _inside_draw_windows(time_machine) -> None:  # type: ignore[no-untyped-def]
    """Every test here starts on 15 June of YEAR (time ticks on); a test moves it as it needs."""
    time_machine.move_to(INSIDE_WINDOWS, tick=True)


@pytest.fixture
def _draw_media(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Draw files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def city_policy(db: None) -> TierPolicy:
    """The city preset: A at most once a year; C and D at higher rates."""
    return TierPolicy.objects.create(
        name="市级分级比例",
        rules={
            "A": {"weight": "0.5", "min": "0", "max": "5", "times": 1},
            "B": {"weight": "1", "min": "5", "max": "20", "times": 1},
            "C": {"weight": "2", "min": "21", "max": "60", "times": 2},
            "D": {"weight": "4", "min": "61", "max": "100"},
            "none": {"weight": "1", "min": "0", "max": "100"},
        },
    )


@pytest.fixture
def task(alice: User, city_policy: TierPolicy) -> Task:
    """A tiered internal task of alice's department over 80 targets, with 6 officers."""
    assert alice.department is not None
    make_targets(80, alice.department)
    make_officers(6, alice.department)
    return make_task(alice.department, policy=city_policy)
