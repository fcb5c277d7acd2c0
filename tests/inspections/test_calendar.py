"""The 20-working-day window across holiday weeks and make-up working days."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspections.models import CalendarDay, CalendarYear
from inspections.services.calendar import calendar_year_enter, next_year_missing
from inspections.workdays import WorkingDays, add_working_days, working_days_between

pytestmark = pytest.mark.django_db

D = dt.date


def test_it_seeds_every_year_the_library_knows_including_2026() -> None:
    assert CalendarYear.objects.filter(year__range=(2004, 2026)).count() == 23
    makeup = set(CalendarDay.objects.filter(date__year=2026, is_workday=True).values_list("date", flat=True))
    assert makeup == {D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)}


def test_it_counts_twenty_working_days_across_the_spring_festival_2026() -> None:
    # 2-14 (Sat) and 2-28 (Sat) are worked; 2-15..2-23 are off.
    deadline = add_working_days(D(2026, 2, 10), 20)
    assert deadline == type(deadline)(D(2026, 3, 16), False, ())


def test_it_counts_across_national_day_2026_with_its_make_up_saturday() -> None:
    # 9-25 off (Mid-autumn), 10-1..10-7 off, 9-20 (Sun) and 10-10 (Sat) worked.
    deadline = add_working_days(D(2026, 9, 18), 20)
    assert deadline.date == D(2026, 10, 22)
    assert not deadline.provisional


def test_it_does_not_count_the_inspection_day_itself() -> None:
    # Friday 2026-11-20: the first working day after it is Monday 11-23.
    assert add_working_days(D(2026, 11, 20), 1).date == D(2026, 11, 23)


def test_it_flags_a_deadline_in_a_year_nobody_has_entered_as_provisional() -> None:
    deadline = add_working_days(D(2026, 12, 15), 20)
    assert deadline.provisional
    assert deadline.unknown_years == (2027,)


def test_it_uses_a_year_an_administrator_entered(alice) -> None:  # type: ignore[no-untyped-def]
    calendar_year_enter(
        year=2027,
        holidays={D(2027, 1, 1): "元旦"},
        makeup_workdays={},
        note="国务院办公厅关于2027年部分节假日安排的通知",
        user=alice,
    )
    deadline = add_working_days(D(2026, 12, 30), 2)
    # 12-31 (Thu) counts, 2027-01-01 (Fri) is off, 01-02/03 weekend, 01-04 counts.
    assert deadline.date == D(2027, 1, 4)
    assert not deadline.provisional


def test_it_warns_in_december_while_next_year_is_missing() -> None:
    assert next_year_missing(D(2026, 12, 1)) == 2027
    assert next_year_missing(D(2026, 11, 30)) is None
    assert next_year_missing(D(2025, 12, 1)) is None


@given(st.dates(min_value=D(2005, 1, 1), max_value=D(2026, 10, 1)), st.integers(min_value=1, max_value=40))
def test_it_agrees_with_counting_back(start: dt.date, days: int) -> None:
    calendar = WorkingDays.load(start.year, start.year + 1)
    deadline = calendar.add(start, days)
    assert calendar.between(start, deadline.date) == days
    assert calendar.is_workday(deadline.date)


def test_it_counts_working_days_between_two_dates() -> None:
    assert working_days_between(D(2026, 2, 10), D(2026, 3, 16)) == 20
    assert working_days_between(D(2026, 3, 16), D(2026, 2, 10)) == -20
