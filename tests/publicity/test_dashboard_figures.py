"""Each dashboard figure against a hand count of the county in conftest.py (20 May 2026)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from publicity.dashboard import figures
from registries.models import Department
from tests.publicity.conftest import TODAY, County

pytestmark = pytest.mark.django_db


def _row(f, department: Department):  # type: ignore[no-untyped-def]
    return next(r for r in f.rows if r.department_id == department.pk)


def test_it_counts_tasks_planned_started_finished_and_not_started(county: County) -> None:
    f = figures(year=2026, today=TODAY)
    a, b = _row(f, county.amr), _row(f, county.drc)
    # amr: a1, a2 drawn, a3 due since March and not drawn; drc: b1 drawn and all entered, b2 starts in September.
    assert (a.tasks_planned, a.tasks_started, a.tasks_finished, a.tasks_not_started) == (3, 2, 0, 1)
    assert (b.tasks_planned, b.tasks_started, b.tasks_finished, b.tasks_not_started) == (2, 1, 1, 0)
    assert (f.total.tasks_planned, f.total.tasks_started, f.total.tasks_finished, f.total.tasks_not_started) == (
        5,
        3,
        1,
        1,
    )


def test_it_counts_drawn_objects_visits_and_visits_saved_by_merging(county: County) -> None:
    f = figures(year=2026, today=TODAY)
    a, b = _row(f, county.amr), _row(f, county.drc)
    assert (a.drawn, a.drawn_tiered, b.drawn, b.drawn_tiered) == (16, 8, 4, 0)
    assert (f.total.drawn, f.total.drawn_tiered) == (20, 8)
    # amr: grain 0-5 visited, each visit serving a1 and a2: six trips saved.
    assert (a.visits_done, a.visit_rows_done, a.visits_saved) == (6, 12, 6)
    assert (b.visits_done, b.visits_saved) == (4, 0)
    assert (f.total.visits_done, f.total.visits_saved) == (10, 6)


def test_it_computes_entry_rate_late_and_overdue_entries(county: County) -> None:
    f = figures(year=2026, today=TODAY)
    a, b = _row(f, county.amr), _row(f, county.drc)
    assert (a.visits_entered, a.entered_late, a.visits_overdue) == (5, 1, 1)
    assert a.entry_rate == Decimal("83.3")
    assert (b.visits_entered, b.entered_late, b.visits_overdue, b.entry_rate) == (4, 0, 0, Decimal("100.0"))
    assert (f.total.entry_rate, f.total.entered_late, f.total.visits_overdue) == (Decimal("90.0"), 1, 1)
    assert f.missed(a)["entry"] and not f.missed(b)["entry"]


def test_it_computes_the_publicity_rate_from_the_publications(county: County) -> None:
    f = figures(year=2026, today=TODAY)
    a = _row(f, county.amr)
    # Five amr visits entered, each for a1 and a2: ten published rows; drc four.
    assert (a.inspections_entered, a.published) == (10, 10)
    assert (f.total.inspections_entered, f.total.published, f.total.publicity_rate) == (14, 14, Decimal("100.0"))
    assert not f.total_missed["publicity"]
    assert f.alarms == []


def test_it_computes_enterprise_coverage_per_maintaining_department(county: County) -> None:
    f = figures(year=2026, today=TODAY)
    a, b = _row(f, county.amr), _row(f, county.drc)
    assert (a.enterprises, a.enterprises_inspected, a.coverage) == (8, 6, Decimal("75.0"))
    assert (b.enterprises, b.enterprises_inspected, b.coverage) == (4, 4, Decimal("100.0"))
    assert f.total.coverage == Decimal("83.3")


def test_it_computes_credit_tier_use_and_flags_it_below_the_goal(county: County) -> None:
    f = figures(year=2026, today=TODAY)
    assert (f.total.tasks_tiered, f.total.tasks_started, f.total.tier_use_tasks) == (1, 3, Decimal("33.3"))
    assert f.total.tier_use_drawn == Decimal("40.0")
    assert f.total_missed["tier_use"] and f.total_missed["tier_use_drawn"]


def test_it_counts_problems_per_hundred_visits_by_tier(county: County) -> None:
    f = figures(year=2026, today=TODAY)
    finds = {row.tier: (row.visits, row.problems, row.per_hundred) for row in f.finds}
    # Entered grain 0-4 have tiers A A B B B; problems at grain 1 (A) and 2 (B), both under a1.
    # Untiered: a2's five rows (the same merged visits, but a2's own item found nothing) and
    # fuel's four (fuel 0 with a problem under b1): a merged visit credits each task its own finds.
    assert finds["A"] == (2, 1, Decimal("50.0"))
    assert finds["B"] == (3, 1, Decimal("33.3"))
    assert finds["-"] == (9, 1, Decimal("11.1"))
    assert "C" not in finds


def test_it_counts_follow_ups_open_and_overdue(county: County) -> None:
    f = figures(year=2026, today=TODAY)
    a, b = _row(f, county.amr), _row(f, county.drc)
    assert (a.follow_ups_open, a.follow_ups_overdue) == (1, 1)
    assert (b.follow_ups_open, b.follow_ups_overdue) == (1, 0)
    assert (f.total.follow_ups_open, f.total.follow_ups_overdue) == (2, 1)


def test_it_compares_realised_and_planned_ratios_per_tier(county: County) -> None:
    f = figures(year=2026, today=TODAY)
    ratios = {r.tier: (r.population, r.drawn, r.planned_percent, r.realised_percent) for r in f.ratios}
    assert ratios == {
        "A": (2, 2, Decimal("100.0"), Decimal("100.0")),
        "B": (4, 4, Decimal("100.0"), Decimal("100.0")),
        "C": (1, 1, Decimal("100.0"), Decimal("100.0")),
        "D": (1, 1, Decimal("100.0"), Decimal("100.0")),
    }


def test_it_shows_one_department_only_its_own_figures(county: County) -> None:
    f = figures(year=2026, today=TODAY, department=county.drc)
    assert [r.department_id for r in f.rows] == [county.drc.pk]
    assert (f.total.tasks_planned, f.total.drawn, f.total.visits_done, f.total.enterprises) == (2, 4, 4, 4)
    assert {r.tier for r in f.finds} == {"-"}


def test_it_counts_nothing_for_another_year(county: County) -> None:
    f = figures(year=2025, today=TODAY)
    assert (f.total.tasks_planned, f.total.drawn, f.total.visits_done, f.total.published) == (0, 0, 0, 0)


def test_it_does_not_count_a_task_finished_while_it_owes_a_round(county: County) -> None:
    from publicity.dashboard import drill_rows
    from publicity.watch import tasks_unfinished_check
    from registries.models import Notification

    county.b1.times_per_year = 2  # drawn once, every visit entered: one round still owed
    county.b1.save(update_fields=["times_per_year"])

    f = figures(year=2026, today=TODAY)
    assert _row(f, county.drc).tasks_finished == 0
    assert not drill_rows(key="tasks_finished", year=2026, today=TODAY, department_id=county.drc.pk).exists()
    tasks_unfinished_check(dt.date(2026, 12, 21))
    assert Notification.objects.filter(key=f"task-unfinished:task-{county.b1.pk}").exists()


def test_it_measures_tier_use_only_over_draws_tiers_apply_to(county: County) -> None:
    # b1 drawing schools instead: tiers are a market-entity tool, so it leaves the denominator.
    county.b1.scope_kinds = ["school"]
    county.b1.save(update_fields=["scope_kinds"])

    f = figures(year=2026, today=TODAY)

    assert (f.total.tasks_tiered, f.total.tasks_tierable, f.total.tier_use_tasks) == (1, 2, Decimal("50.0"))
    assert (f.total.drawn_tiered, f.total.drawn_tierable, f.total.tier_use_drawn) == (8, 16, Decimal("50.0"))
