"""A county market regulation bureau's 2026 task, drawn, with ivan on every team.

Time is frozen in May 2026 (a year whose holiday schedule is known), so every deadline
here is exact and the same whenever the tests run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from inspections.models import DrawRound, ResultCategory, Visit
from plans.models import Task
from registries.models import ChecklistItem, Department, Inspector, Role, User
from tests.factories import UserFactory
from tests.inspections.results.builders import drawn_grain_task

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 5, 20)


@pytest.fixture(autouse=True)
def _frozen(time_machine, settings, tmp_path):  # type: ignore[no-untyped-def]
    time_machine.move_to(dt.datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI), tick=False)
    settings.MEDIA_ROOT = tmp_path


@dataclass
class World:
    department: Department
    task: Task
    round: DrawRound
    officers: list[Inspector]
    items: list[ChecklistItem]

    @property
    def visits(self) -> list[Visit]:
        return list(Visit.objects.order_by("pk"))


def category(code: str) -> ResultCategory:
    return ResultCategory.objects.get(scheme="2024", code=code)


def entry(world: World, codes: dict[int, list[str]] | None = None, **extra: object) -> dict[str, object]:
    """An entry for every slot of the task: item index -> category codes (default 未发现问题)."""
    codes = codes or {}
    items = {
        f"{world.task.pk}-{item.pk}": [category(c).pk for c in codes.get(i, ["01"])]
        for i, item in enumerate(world.items)
    }
    return {"completed_on": "2026-05-12", "findings": "", "items": items, **extra}


@pytest.fixture
def leo(amr: Department) -> User:
    """The principal leader of the market regulation bureau."""
    return UserFactory(username="leo", full_name="刘建国", role=Role.LEADER, department=amr)


@pytest.fixture
def world(alice: User, ivan: User) -> World:
    """Four grain-purchasing enterprises, all drawn; two officers (ivan one of them) form every team."""
    task, draw_round, officers, items = drawn_grain_task(alice, ivan, targets=4, year=2026, start_month=3, end_month=10)
    assert Visit.objects.count() == 4
    assert task.initiator is not None
    return World(task.initiator, task, draw_round, officers, items)
