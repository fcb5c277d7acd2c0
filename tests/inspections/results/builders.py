"""Builders shared by the result tests and the browser journey: a drawn grain-purchasing task."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from PIL import Image

from inspections.models import DrawRound
from inspections.services.draws import draw_round_open, draw_round_run, draw_round_start
from plans.models import Plan, PlanStatus, RatioKind, Task, TaskType
from registries.models import ChecklistItem, Inspector, User
from tests.factories import ChecklistItemVersionFactory, ItemClaimFactory
from tests.inspections.draw_fixtures import make_officers, make_targets


def drawn_grain_task(
    staff: User, inspector: User, *, targets: int, year: int, start_month: int, end_month: int
) -> tuple[Task, DrawRound, list[Inspector], list[ChecklistItem]]:
    """`targets` enterprises of the staff's department, all drawn by a two-item task; two
    officers (the inspector's one of them) form every team."""
    department = staff.department
    assert department is not None
    make_targets(targets, department, tiers="-")
    officers = make_officers(2, department)
    officers[0].user = inspector
    officers[0].save()
    versions = [
        ChecklistItemVersionFactory(item__code="SJ-LS-001", name="粮食收购资格检查", methods=["on_site"]),
        ChecklistItemVersionFactory(
            item__code="SJ-LS-002", name="粮食库存数量和质量检查", methods=["on_site", "documentary"]
        ),
    ]
    for version in versions:
        ItemClaimFactory(item=version.item, department=department)
    plan = Plan.objects.create(
        owner=department, year=year, title=f"{department.name}{year}年度抽查计划", status=PlanStatus.PUBLISHED
    )
    task = Task.objects.create(
        plan=plan,
        number=1,
        name="粮食收购企业双随机抽查",
        scope_kinds=["enterprise"],
        scope_region=department.region,
        ratio_kind=RatioKind.PERCENT,
        ratio_percent=Decimal(100),
        times_per_year=1,
        uses_tiers=False,
        start_month=start_month,
        end_month=end_month,
        initiator=department,
        task_type=TaskType.INTERNAL,
    )
    task.items.set([v.item for v in versions])
    # Drawn on the window's first day (outside it a draw needs a reason), whatever day the test is on.
    with time_machine.travel(dt.datetime(year, start_month, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))):
        draw_round = draw_round_open(task=task, user=staff)
        draw_round_start(draw_round=draw_round, user=staff)
        draw_round = draw_round_run(round_id=draw_round.pk)
    return task, draw_round, officers, [v.item for v in versions]


def jpeg_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()
