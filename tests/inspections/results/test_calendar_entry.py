"""The administrator's entry of a year's holidays: the parser, checked on generated input."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspections.calendar_parsing import parse_day_lines
from inspections.errors import InspectionError

D = dt.date
NAMES = st.sampled_from(["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节", ""])


def test_it_reads_ranges_and_single_days_as_the_notice_lists_them() -> None:
    days = parse_day_lines("2027-02-06..2027-02-08 春节\n\n２０２７－１０－０１至2027-10-02 国庆节\n2027-5-1", 2027)

    assert days == {
        D(2027, 2, 6): "春节",
        D(2027, 2, 7): "春节",
        D(2027, 2, 8): "春节",
        D(2027, 10, 1): "国庆节",
        D(2027, 10, 2): "国庆节",
        D(2027, 5, 1): "",
    }


def test_it_names_every_bad_line() -> None:
    with pytest.raises(InspectionError) as caught:
        parse_day_lines("2027-02-30 春节\n2026-12-31 元旦\n明天\n2027-03-05..2027-03-01", 2027)
    message = str(caught.value)
    for expected in ("第 1 行", "第 2 行：日期不属于 2027 年", "第 3 行", "第 4 行：结束日期早于开始日期"):
        assert expected in message


@given(
    st.lists(
        st.tuples(st.dates(min_value=D(2027, 1, 1), max_value=D(2027, 12, 1)), st.integers(0, 9), NAMES),
        max_size=8,
    )
)
def test_it_yields_exactly_the_days_of_the_ranges_it_was_given(ranges: list[tuple[dt.date, int, str]]) -> None:
    lines, expected = [], {}
    for first, length, name in ranges:
        last = min(first + dt.timedelta(days=length), D(2027, 12, 31))
        lines.append(f"{first:%Y-%m-%d}..{last:%Y-%m-%d} {name}".rstrip())
        day = first
        while day <= last:
            expected[day] = name
            day += dt.timedelta(days=1)

    assert parse_day_lines("\n".join(lines), 2027) == expected


@pytest.mark.django_db
def test_the_migration_gives_visits_done_before_results_existed_their_deadline(world) -> None:  # type: ignore[no-untyped-def]
    import importlib

    from django.apps import apps

    from inspections.models import Visit

    migration = importlib.import_module("inspections.migrations.0006_backfill_entry_deadlines")
    Visit.objects.filter(pk=world.visits[0].pk).update(status="done", visited_on=D(2026, 4, 28))

    migration.backfill(apps, None)

    visit = Visit.objects.get(pk=world.visits[0].pk)
    assert (visit.entry_deadline, visit.deadline_provisional) == (D(2026, 5, 28), False)
    assert Visit.objects.filter(entry_deadline__isnull=False).count() == 1
