"""Working days: the deadline rule of result entry (20 working days, the day itself not counted)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from inspections.models import CalendarDay, CalendarSource, CalendarYear
from registries.models import User

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


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


def library_exceptions() -> dict[int, dict[dt.date, tuple[bool, str]]]:
    """Per year, chinesecalendar's exceptions to Monday-Friday: day -> (is_workday, name)."""
    import chinese_calendar

    result: dict[int, dict[dt.date, tuple[bool, str]]] = {}
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5:
            result.setdefault(day.year, {})[day] = (False, HOLIDAY_NAMES_ZH.get(name, name))
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            result.setdefault(day.year, {})[day] = (True, f"{HOLIDAY_NAMES_ZH.get(name, name)}调休上班")
    return result


@transaction.atomic
def calendar_seed_from_library(
    *, year_model: type[CalendarYear] = CalendarYear, day_model: type[CalendarDay] = CalendarDay
) -> list[int]:
    """Enter every year chinesecalendar knows that is not entered yet (also run by a migration)."""
    library = library_exceptions()
    existing = set(year_model.objects.values_list("year", flat=True))
    added = sorted(set(library) - existing)
    for year in added:
        year_model.objects.create(year=year, source=CalendarSource.LIBRARY, note="chinesecalendar")
        day_model.objects.bulk_create(
            [day_model(date=d, is_workday=w, name=n) for d, (w, n) in sorted(library[year].items())]
        )
    return added


@transaction.atomic
def calendar_year_enter(
    *, year: int, holidays: dict[dt.date, str], makeup_workdays: dict[dt.date, str], note: str, user: User | None
) -> CalendarYear:
    """An administrator enters a year the State Council has published (replacing any earlier entry)."""
    for day in [*holidays, *makeup_workdays]:
        if day.year != year:
            raise ValueError(f"{day} 不属于 {year} 年")
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarYear.objects.filter(year=year).delete()
    entry = CalendarYear.objects.create(year=year, source=CalendarSource.MANUAL, note=note, entered_by=user)
    rows = [CalendarDay(date=d, is_workday=False, name=n) for d, n in holidays.items() if d.weekday() < 5]
    rows += [CalendarDay(date=d, is_workday=True, name=n) for d, n in makeup_workdays.items() if d.weekday() >= 5]
    CalendarDay.objects.bulk_create(rows)
    return entry


def next_year_missing(today: dt.date) -> int | None:
    """In December, the next year whose schedule is still missing (the loud warning)."""
    if today.month == 12 and not CalendarYear.objects.filter(year=today.year + 1).exists():
        return today.year + 1
    return None
