"""Working days: the deadline rule of result entry (20 working days, the day itself not counted)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
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
    # Deadlines that were provisional for want of this year are now computed for real.
    from inspections.services.results import visits_recompute_provisional

    visits_recompute_provisional(years=[year])
    return entry


def calendar_year_enter_from_text(
    *, year_text: str, holidays_text: str, makeup_text: str, note: str, user: User | None, today: dt.date
) -> CalendarYear:
    """The administrator's form: a year, its holiday lines and make-up working-day lines, the notice.

    Raises ValueError with the reason in Chinese; nothing is written then.
    """
    try:
        year = int(year_text.strip())
    except ValueError:
        raise ValueError("请填写年份") from None
    if not 2000 <= year <= today.year + 2:
        raise ValueError(f"年份应在 2000 至 {today.year + 2} 之间")
    holidays = parse_day_lines(holidays_text, year)
    makeup = parse_day_lines(makeup_text, year)
    if not holidays:
        raise ValueError("请填写放假日期")
    if not note.strip():
        raise ValueError("请填写依据（通知文号或标题）")
    return calendar_year_enter(year=year, holidays=holidays, makeup_workdays=makeup, note=note.strip(), user=user)


_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _day(text: str, line_no: int) -> dt.date:
    match = _DAY.match(text)
    if not match:
        raise ValueError(f"第 {line_no} 行：“{text}”不是日期（应为 年-月-日，如 2027-01-01）")
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise ValueError(f"第 {line_no} 行：{text} 不是有效日期") from None


def parse_day_lines(text: str, year: int) -> dict[dt.date, str]:
    """Lines as the State Council notice reads: `2027-02-10..2027-02-17 春节` or `2027-02-07 春节调休上班`.

    A range includes both ends; the name is optional. Every problem is reported with its line.
    """
    days: dict[dt.date, str] = {}
    errors: list[str] = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = unicodedata.normalize("NFKC", raw).strip()
        if not line:
            continue
        spec, _, name = line.partition(" ")
        first_text, sep, last_text = spec.replace("至", "..").replace("~", "..").partition("..")
        try:
            first = _day(first_text, line_no)
            last = _day(last_text, line_no) if sep else first
            if last < first:
                raise ValueError(f"第 {line_no} 行：结束日期早于开始日期")
            if first.year != year or last.year != year:
                raise ValueError(f"第 {line_no} 行：日期不属于 {year} 年")
            if (last - first).days > 31:
                raise ValueError(f"第 {line_no} 行：一段假期不超过一个月")
        except ValueError as exc:
            errors.append(str(exc))
            continue
        day = first
        while day <= last:
            days[day] = name.strip()[:50]
            day += dt.timedelta(days=1)
    if errors:
        raise ValueError("；".join(errors))
    return days


def next_year_missing(today: dt.date) -> int | None:
    """In December, the next year whose schedule is still missing (the loud warning)."""
    if today.month == 12 and not CalendarYear.objects.filter(year=today.year + 1).exists():
        return today.year + 1
    return None


def calendar_missing_notify(year: int) -> None:
    """Alarm the system administrators, once per year, that its holidays are not entered."""
    from registries.models import NotificationLevel, Role
    from registries.services.notifications import notify

    notify(
        users=User.objects.filter(role=Role.SYSTEM_ADMIN, is_active=True),
        key=f"calendar-missing:{year}",
        kind="calendar_missing",
        level=NotificationLevel.ALARM,
        title=f"{year}年节假日安排尚未录入，结果录入期限为暂定",
        body=(
            f"{year}年的节假日和调休安排尚未录入。落在{year}年的结果录入期限只能按周一至周五暂定。"
            "国务院办公厅公布后，请在“节假日安排”页面录入。"
        ),
        url="/inspections/calendar/",
    )


def calendar_missing_check(*, today: dt.date) -> int | None:
    """Daily (beat): in December, while next year is missing, alarm the system administrators.

    Once per year and person (the key is the year's): the page itself keeps the warning in red
    until the year is entered. Returns the missing year, if any.
    """
    year = next_year_missing(today)
    if year is not None:
        calendar_missing_notify(year)
    return year
