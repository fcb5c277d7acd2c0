"""The holiday calendar: seeding from chinesecalendar, the administrator's entry of a year, the
December check for next year. Working-day arithmetic is `inspections.workdays`; the notice's
lines are read by `inspections.calendar_parsing` (through `inspections.forms.CalendarYearForm`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from inspections.errors import InspectionError
from inspections.models import CalendarDay, CalendarSource, CalendarYear
from inspections.notifications import calendar_missing_notify
from registries.models import User

# chinesecalendar's English holiday names -> the names the notice uses (data, stored as is).
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
MAKEUP_SUFFIX_ZH = "调休上班"


def library_exceptions() -> dict[int, dict[dt.date, tuple[bool, str]]]:
    """Per year, chinesecalendar's exceptions to Monday-Friday: day -> (is_workday, name)."""
    import chinese_calendar

    result: dict[int, dict[dt.date, tuple[bool, str]]] = {}
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5:
            result.setdefault(day.year, {})[day] = (False, HOLIDAY_NAMES_ZH.get(name, name))
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            result.setdefault(day.year, {})[day] = (True, f"{HOLIDAY_NAMES_ZH.get(name, name)}{MAKEUP_SUFFIX_ZH}")
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
            raise InspectionError(_("%(day)s 不属于 %(year)d 年") % {"day": day, "year": year})
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarYear.objects.filter(year=year).delete()
    entry = CalendarYear.objects.create(year=year, source=CalendarSource.MANUAL, note=note, entered_by=user)
    rows = [CalendarDay(date=d, is_workday=False, name=n) for d, n in holidays.items() if d.weekday() < 5]
    rows += [CalendarDay(date=d, is_workday=True, name=n) for d, n in makeup_workdays.items() if d.weekday() >= 5]
    CalendarDay.objects.bulk_create(rows)
    # Deadlines that were provisional for want of this year are now computed for real.
    from inspections.services.results import visits_recompute_provisional

    visits_recompute_provisional(years=[year])
    return entry


def next_year_missing(today: dt.date) -> int | None:
    """In December, the next year whose schedule is still missing (the loud warning)."""
    if today.month == 12 and not CalendarYear.objects.filter(year=today.year + 1).exists():
        return today.year + 1
    return None


def calendar_missing_check(*, today: dt.date) -> int | None:
    """Daily (beat): in December, while next year is missing, alarm the system administrators.

    Once per year and person (the key is the year's): the page itself keeps the warning in red
    until the year is entered. Returns the missing year, if any.
    """
    year = next_year_missing(today)
    if year is not None:
        calendar_missing_notify(year)
    return year
