"""The dashboard page reads a snapshot of the figures no older than the limit; beat refreshes it."""

from __future__ import annotations

import datetime as dt

import pytest

from publicity.dashboard import figures
from publicity.models import DashboardSnapshot
from publicity.snapshots import cached_figures, snapshots_refresh
from tests.publicity.conftest import TODAY, County

pytestmark = pytest.mark.django_db


def test_it_stores_the_same_figures_it_computes(county: County) -> None:
    assert snapshots_refresh(today=TODAY) == 3  # the area, amr and drc
    live = figures(year=2026, today=TODAY, department=county.amr)
    stored, _at = cached_figures(year=2026, today=TODAY, department=county.amr)
    assert stored.rows == live.rows and stored.total == live.total
    assert stored.finds == live.finds and stored.ratios == live.ratios and stored.months == live.months
    assert stored.missed(stored.total) == live.missed(live.total)


def test_it_recomputes_a_snapshot_that_is_too_old_or_of_another_day(county: County, time_machine, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DASHBOARD_SNAPSHOT_SECONDS = 600
    first, at = cached_figures(year=2026, today=TODAY)
    DashboardSnapshot.objects.filter(department__isnull=True).update(data={**_data(), "fairness_flagged": 99})
    # fresh: the stored one (here deliberately altered) is what the page shows
    assert cached_figures(year=2026, today=TODAY)[0].fairness_flagged == 99
    time_machine.shift(dt.timedelta(minutes=11))
    again, later = cached_figures(year=2026, today=TODAY)
    assert again.fairness_flagged == first.fairness_flagged and later > at
    assert cached_figures(year=2026, today=TODAY + dt.timedelta(days=1))[0].today == TODAY + dt.timedelta(days=1)


def _data() -> dict:  # type: ignore[type-arg]
    return DashboardSnapshot.objects.get(department__isnull=True).data


def test_it_recomputes_a_snapshot_stored_by_an_older_version(county: County) -> None:
    cached_figures(year=2026, today=TODAY)
    DashboardSnapshot.objects.filter(department__isnull=True).update(data={"rows": [{"no_such_field": 1}]})
    f, _at = cached_figures(year=2026, today=TODAY)
    assert f.total.tasks_planned == 5
