"""Fixtures of the draw, matching and visit tests (helpers in draw_fixtures.py)."""

from __future__ import annotations

import pytest

from credit_risk.models import TierPolicy
from plans.models import Task
from registries.models import User
from tests.inspections.draw_fixtures import make_officers, make_targets, make_task


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
