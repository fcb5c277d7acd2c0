"""Working days: the deadline rule of result entry (20 working days, the day itself not counted).

Date arithmetic over the entered calendar (`CalendarYear`, `CalendarDay`): `WorkingDays` loads
a range of years in one query and is pure afterwards (the historical migrations build it too).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from inspections.models import CalendarDay, CalendarYear


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    # True when the count passed through a year whose holiday schedule nobody has entered:
    # the date assumes Monday to Friday and must not be trusted.
    provisional: bool
    unknown_years: tuple[int, ...] = ()


class WorkingDays:
    """A loaded view of the calendar for a range of years (one query, then pure)."""

    def __init__(self, known_years: set[int], exceptions: dict[dt.date, bool]) -> None:
        self.known_years = known_years
        self.exceptions = exceptions

    @classmethod
    def load(cls, first_year: int, last_year: int) -> WorkingDays:
        years = set(CalendarYear.objects.filter(year__range=(first_year, last_year)).values_list("year", flat=True))
        days = dict(
            CalendarDay.objects.filter(date__year__gte=first_year, date__year__lte=last_year).values_list(
                "date", "is_workday"
            )
        )
        return cls(years, days)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def add(self, start: dt.date, days: int) -> Deadline:
        """The `days`-th working day after `start` (start itself not counted)."""
        unknown: set[int] = set()
        current = start
        remaining = days
        while remaining > 0:
            current += dt.timedelta(days=1)
            if current.year not in self.known_years:
                unknown.add(current.year)
            if self.is_workday(current):
                remaining -= 1
        return Deadline(current, bool(unknown), tuple(sorted(unknown)))

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (negative when end < start)."""
        if end < start:
            return -self.between(end, start)
        count = 0
        current = start
        while current < end:
            current += dt.timedelta(days=1)
            count += self.is_workday(current)
        return count


def add_working_days(start: dt.date, days: int) -> Deadline:
    # Twenty working days never span more than two calendar months; load a year of margin.
    return WorkingDays.load(start.year, start.year + 1 + days // 200).add(start, days)


def working_days_between(start: dt.date, end: dt.date) -> int:
    return WorkingDays.load(min(start, end).year, max(start, end).year).between(start, end)
