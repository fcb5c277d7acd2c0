"""汇总表: one per department of the task; its figures are those of the visits."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from inspections.models import FollowUp, StepKind
from inspections.services.followups import follow_up_step_add
from inspections.services.results import result_submit, visit_complete
from inspections.summary import department_item_ids, summary_workbook, task_summary
from registries.models import User
from tests.factories import ChecklistItemVersionFactory, ItemClaimFactory
from tests.inspections.results.conftest import World, entry

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def worked(world: World, ivan: User, alice: User) -> World:
    """Of 4 visits: 1 clean on time, 1 with a problem (then rectified and closed), 1 late, 1 not visited."""
    visits = world.visits
    result_submit(visit=visits[0], user=ivan, data=entry(world))
    result_submit(
        visit=visits[1], user=ivan, data=entry(world, {0: ["0201"], 1: ["07"]}, findings="未公示年报；库存账实不符")
    )
    first = FollowUp.objects.filter(visit=visits[1]).order_by("pk").first()
    assert first is not None
    follow_up_step_add(
        follow_up=first, user=alice, kind=StepKind.RECTIFY, done_on=D(2026, 5, 13), due_on=D(2026, 5, 18)
    )
    follow_up_step_add(follow_up=first, user=alice, kind=StepKind.CLOSE, done_on=D(2026, 5, 19), note="已补报年报")
    visit_complete(visit=visits[2], user=ivan, visited_on=D(2026, 4, 1))
    result_submit(visit=visits[2], user=ivan, data=entry(world, completed_on="2026-04-01"))
    # Its name starts like a formula: the export must neutralise it.
    visits[3].target.name = '=HYPERLINK("http://evil.invalid")粮油公司'
    visits[3].target.save()
    return world


def test_it_counts_what_the_visits_say(worked: World) -> None:
    summary = task_summary(worked.task, worked.department)

    assert (summary.drawn, summary.visited, summary.entered) == (4, 3, 3)
    assert (summary.entered_on_time, summary.entered_late) == (2, 1)
    assert summary.with_problems == 1
    assert (summary.follow_ups_open, summary.follow_ups_closed) == (1, 1)
    assert summary.by_category == {
        "未发现问题": 2,
        "违反市场监管相关规定：未按规定公示应当公示的信息": 1,
        "发现问题待后续处理": 1,
    }
    assert summary.by_step == {"责令限期整改": 1}


def test_it_writes_the_workbook_with_the_same_figures_and_no_formula(worked: World) -> None:
    book = load_workbook(io.BytesIO(summary_workbook(task_summary(worked.task, worked.department))))

    figures = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert (figures["抽取对象数"], figures["已检查"], figures["已录入结果"]) == (4, 3, 3)
    assert (figures["按期录入"], figures["逾期录入"], figures["发现问题户数"]) == (2, 1, 1)
    rows = list(book["明细"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4
    assert sum(1 for r in rows if r[12] == "是") == 1
    names = [r[1] for r in rows]
    assert '\'=HYPERLINK("http://evil.invalid")粮油公司' in names
    assert all(cell.data_type != "f" for row in book["明细"].iter_rows() for cell in row)


def test_it_splits_the_items_between_the_initiator_and_a_cooperating_department(world: World, drc) -> None:  # type: ignore[no-untyped-def]
    theirs = ChecklistItemVersionFactory(item__code="SJ-FG-010", name="粮食收购企业备案情况检查").item
    ItemClaimFactory(item=theirs, department=drc)
    world.task.items.add(theirs)
    world.task.cooperating.add(drc)

    assert department_item_ids(world.task, drc) == {theirs.pk}
    assert department_item_ids(world.task, world.department) == {*(i.pk for i in world.items), None}
