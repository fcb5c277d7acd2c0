"""A finished round's 抽查名单 and 检查任务单: xlsx and printable pages, for whoever may see the round."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from inspections.models import DrawnTarget, DrawRound
from inspections.services.draws import draw_round_open, draw_round_run, draw_round_start
from plans.models import Task
from registries.models import Target, User
from tests.inspections.draw_fixtures import make_targets, make_task

pytestmark = pytest.mark.django_db

EXPORTS = ("round_list_xlsx", "round_list_print", "round_tasks_xlsx", "round_tasks_print")


@pytest.fixture(autouse=True)
def _media(_draw_media) -> None:  # type: ignore[no-untyped-def]
    pass


def _draw(task: Task, user: User) -> DrawRound:
    draw_round = draw_round_open(task=task, user=user)
    draw_round_start(draw_round=draw_round, user=user, entropy="2026-11-23 体彩 5 8 1")
    return draw_round_run(round_id=draw_round.pk)


@pytest.fixture
def done(task: Task, alice: User) -> DrawRound:
    return _draw(task, alice)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _sheet_rows(response) -> list[tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    return [tuple(row) for row in workbook.active.iter_rows(values_only=True)]


def test_the_list_holds_the_drawn_objects_of_that_round_only(done: DrawRound, alice: User) -> None:
    assert alice.department is not None
    make_targets(20, alice.department, start=500)
    other = _draw(make_task(alice.department, number=2, uses_tiers=False), alice)
    only_other = set(other.drawn.values_list("key", flat=True)) - set(done.drawn.values_list("key", flat=True))
    assert only_other

    rows = _sheet_rows(_client(alice).get(reverse("inspections:round_list_xlsx", args=[done.pk])))

    header = rows[1]
    assert header[:7] == (
        "序号",
        "检查对象名称",
        "统一社会信用代码/注册号",
        "地址",
        "检查事项",
        "检查组（姓名、执法证号）",
        "计划检查日期",
    )
    body = [r for r in rows[2:] if isinstance(r[0], int)]
    drawn = DrawnTarget.objects.filter(round=done).select_related("target")
    assert {r[2] for r in body} == {d.key for d in drawn}
    assert len(body) == drawn.count() == done.drawn_count
    assert not {r[2] for r in body} & only_other
    officers = {m.inspector.certificate_no for d in drawn for m in d.team.all() if m.inspector}
    assert officers and all(any(c in (r[5] or "") for c in officers) for r in body)
    # Alice's department initiates the task: she sees tiers and tickets, in ticket order.
    assert header[7:] == ("信用风险分类", "签号")
    assert [r[8] for r in body] == sorted(d.ticket for d in drawn)


def test_a_cooperating_department_sees_no_tier_or_ticket_and_code_order(done: DrawRound, bob: User) -> None:
    done.task.cooperating.add(bob.department)  # type: ignore[arg-type]
    client = _client(bob)

    rows = _sheet_rows(client.get(reverse("inspections:round_list_xlsx", args=[done.pk])))

    assert "信用风险分类" not in rows[1] and "签号" not in rows[1] and len(rows[1]) == 7
    body = [r for r in rows[2:] if isinstance(r[0], int)]
    assert [r[2] for r in body] == sorted(r[2] for r in body)
    tickets = set(DrawnTarget.objects.filter(round=done).values_list("ticket", flat=True))
    cells = {str(c) for r in rows for c in r if c is not None}
    assert not cells & tickets
    page = client.get(reverse("inspections:round_list_print", args=[done.pk])).content.decode()
    assert "信用风险分类" not in page and not any(t in page for t in tickets)
    tasks = _sheet_rows(client.get(reverse("inspections:round_tasks_xlsx", args=[done.pk])))
    assert not {str(c) for r in tasks for c in r if c is not None} & tickets


def test_another_department_gets_nothing(done: DrawRound, bob: User, ivan: User) -> None:
    for name in EXPORTS:
        url = reverse(f"inspections:{name}", args=[done.pk])
        assert _client(bob).get(url).status_code == 404
        assert _client(ivan).get(url).status_code == 403
        assert Client().get(url).status_code == 302


def test_an_unfinished_round_has_no_list(task: Task, alice: User) -> None:
    draw_round = draw_round_open(task=task, user=alice)
    assert _client(alice).get(reverse("inspections:round_list_xlsx", args=[draw_round.pk])).status_code == 404


def test_control_characters_and_formulas_in_a_name_do_not_break_the_workbooks(done: DrawRound, alice: User) -> None:
    drawn = DrawnTarget.objects.filter(round=done).order_by("key").first()
    assert drawn is not None
    Target.objects.filter(pk=drawn.target_id).update(name='=HYPERLINK("x")阳城县\x07老张\x01眼镜店\ufffe')
    client = _client(alice)

    for name in ("round_list_xlsx", "round_tasks_xlsx"):
        rows = _sheet_rows(client.get(reverse(f"inspections:{name}", args=[done.pk])))
        names = [c for r in rows for c in r if isinstance(c, str) and "老张" in c]
        assert names == ['\'=HYPERLINK("x")阳城县老张眼镜店']


def test_the_task_sheets_group_objects_by_team_and_print_without_nav(done: DrawRound, alice: User) -> None:
    client = _client(alice)
    rows = _sheet_rows(client.get(reverse("inspections:round_tasks_xlsx", args=[done.pk])))
    drawn = DrawnTarget.objects.filter(round=done).select_related("target", "coverage__visit")
    keys = [r[2] for r in rows if isinstance(r[0], int)]
    assert sorted(keys) == sorted(d.key for d in drawn)  # each object once, under its team
    teams = [r for r in rows if r[0] == "检查组成员"]
    assert len(teams) == len([r for r in rows if isinstance(r[0], str) and r[0].startswith("检查组 ")]) >= 1
    visit = drawn[0].coverage.visit
    assert f"{visit.period_start:%Y-%m-%d}—{visit.period_end:%Y-%m-%d}" in {r[4] for r in rows}

    page = client.get(reverse("inspections:round_tasks_print", args=[done.pk])).content.decode()
    assert "@media print" in page and ".topbar" in page
    assert all(d.target.name in page for d in drawn)
    detail = client.get(reverse("inspections:round_detail", args=[done.pk])).content.decode()
    for name in EXPORTS:
        assert reverse(f"inspections:{name}", args=[done.pk]) in detail
