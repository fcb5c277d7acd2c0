"""The half-year summary (due 10 June) counts 1 January to 30 June only; a department with no
task in the year misses no goal (neutral, 无任务), on the page and in the figures."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from inspections.services.results import result_submit, visit_complete
from plans.models import Plan, PlanStatus
from publicity.dashboard import figures, half_year_end
from registries.models import Department, Tag, User
from tests.factories import DepartmentFactory
from tests.inspections.draw_fixtures import make_targets
from tests.publicity.conftest import County, _draw, _task, at, entry_for

pytestmark = pytest.mark.django_db

SEPTEMBER = dt.date(2026, 9, 15)


@pytest.fixture
def second_half(  # type: ignore[no-untyped-def]
    county: County, time_machine, django_capture_on_commit_callbacks, bob: User, ivan: User
) -> County:
    """In September: b2 (window September–November) drawn; grain 6 (a1 and a2, drawn in March)
    visited and entered; grain 5, visited 10 April, finally entered."""
    time_machine.move_to(at(SEPTEMBER), tick=False)
    with django_capture_on_commit_callbacks(execute=True):  # the teams are matched on commit
        county.b2.items.set(county.b1.items.all())
        _draw(county.b2, bob)
        visit = visit_complete(visit=county.visit_of(county.grain[6]), user=ivan, visited_on=SEPTEMBER)
        result_submit(visit=visit, user=ivan, data=entry_for(visit, completed_on=SEPTEMBER))
        overdue = county.overdue_visit
        result_submit(visit=overdue, user=ivan, data=entry_for(overdue, completed_on=dt.date(2026, 4, 10)))
    return county


def test_the_half_year_counts_only_january_to_june(second_half: County) -> None:
    today = dt.date(2026, 12, 1)
    year = figures(year=2026, today=today).total
    half = figures(year=2026, today=today, until=half_year_end(2026)).total
    # The whole year: b2 (from September) planned and drawn, grain 6 visited, grain 5 entered.
    assert (year.tasks_planned, year.drawn, year.visits_done, year.visits_entered) == (5, 24, 11, 11)
    assert year.visits_overdue == 0
    # The first half: as on 30 June, b2 not yet planned to start, no September visit; grain 5
    # was visited in April and still waited for its result on 30 June.
    assert (half.tasks_planned, half.drawn, half.visits_done, half.visits_entered) == (4, 20, 10, 9)
    assert half.visits_overdue == 1
    assert half.entered_late == 1  # grain 0, entered 6 May after its deadline


def test_the_half_year_export_leaves_out_the_second_half(client: Client, second_half: County, olivia: User) -> None:
    client.force_login(olivia)
    response = client.get(reverse("dashboard:export", args=["half-year"]), {"year": 2026})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    text = " ".join(str(c) for c in book.worksheets[0].iter_cols(max_col=1, values_only=True) for c in c if c)
    assert "本年度计划抽查任务 4 项" in text
    assert "抽取检查对象 20 户，已完成检查 10 户次" in text
    tasks = {row[2]: row for row in book["任务完成情况"].iter_rows(min_row=2, values_only=True)}
    assert "价格监督检查" not in tasks
    assert tasks["成品油零售企业双随机抽查"][5:] == (4, 4, 4, 1)
    assert tasks["粮食收购企业双随机抽查"][5:] == (8, 6, 5, 2)  # as on 30 June

    whole = client.get(reverse("dashboard:export", args=["self-check"]), {"year": 2026})
    book = openpyxl.load_workbook(io.BytesIO(whole.content))
    tasks = {row[2]: row for row in book["任务完成情况"].iter_rows(min_row=2, values_only=True)}
    assert tasks["价格监督检查"][5:7] == (4, 0)
    assert tasks["粮食收购企业双随机抽查"][5:] == (8, 7, 7, 2)


@pytest.fixture
def statistics_bureau(county: County) -> Department:
    """A department that keeps eight enterprises in the registry and has no task this year."""
    bureau = DepartmentFactory(name="阳城县统计局", region=county.amr.region)
    make_targets(8, bureau)
    return bureau


def test_a_department_without_tasks_misses_no_goal(county: County, statistics_bureau: Department) -> None:
    f = figures(year=2026, today=dt.date(2026, 5, 20))
    row = next(r for r in f.rows if r.department_id == statistics_bureau.pk)
    assert (row.tasks_planned, row.enterprises, row.coverage) == (0, 8, 0)
    missed = f.missed(row)
    assert missed["no_tasks"] and not any(v for k, v in missed.items() if k != "no_tasks")

    # Once it plans a task, its 0% coverage is missed again (goal 3%).
    plan = Plan.objects.create(
        owner=statistics_bureau, year=2026, title="阳城县统计局2026年度抽查计划", status=PlanStatus.PUBLISHED
    )
    _task(plan, 1, "统计调查对象抽查", Tag.objects.create(name="统计调查对象"), tiers=False, start=3, end=10)
    f = figures(year=2026, today=dt.date(2026, 5, 20))
    row = next(r for r in f.rows if r.department_id == statistics_bureau.pk)
    assert f.missed(row)["coverage"] and not f.missed(row)["no_tasks"]


def test_the_dashboard_shows_a_department_without_tasks_neutral(
    client: Client, county: County, statistics_bureau: Department, olivia: User
) -> None:
    client.force_login(olivia)
    body = client.get(reverse("dashboard:index"), {"year": 2026}).content.decode()
    table = body.split('id="departments"')[1].split("</table>")[0]
    row = next(tr for tr in table.split("<tr") if "阳城县统计局" in tr)
    assert "无任务" in row and "miss" not in row
