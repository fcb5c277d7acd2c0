"""A task's summary table (汇总表): one for the initiating department and one per cooperating department.

Each department's table covers the items that are its own in the task (claimed by it; the
initiator also takes the items no task department claimed) and counts what the visits say.
Figures come from the current version of each result. Tiers never appear.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from inspections.models import FollowUp, ItemResult, Result, StepKind, TeamMember, Visit
from inspections.selectors import task_visits
from plans.models import Task
from registries.models import Department, ItemClaim
from registries.xlsx import safe_cell, safe_row


@dataclass
class Row:
    visit: Visit
    items: list[str]
    categories: list[str]
    result: Result | None
    team: list[str]
    follow_up: str


@dataclass
class Summary:
    task: Task
    department: Department
    rows: list[Row] = field(default_factory=list)
    drawn: int = 0
    visited: int = 0
    entered: int = 0
    entered_on_time: int = 0
    entered_late: int = 0
    with_problems: int = 0
    follow_ups_open: int = 0
    follow_ups_closed: int = 0
    by_category: Counter[str] = field(default_factory=Counter)
    by_step: Counter[str] = field(default_factory=Counter)


def task_departments(task: Task) -> list[Department]:
    """The initiating department first, then the cooperating ones."""
    cooperating = list(task.cooperating.order_by("name"))
    return [task.initiator, *cooperating] if task.initiator else cooperating


def department_item_ids(task: Task, department: Department) -> set[int | None]:
    """The task's items that are this department's; None stands for "the task as a whole"."""
    items = set(task.items.values_list("pk", flat=True))
    departments = {d.pk for d in task_departments(task)}
    claims = ItemClaim.objects.filter(item_id__in=items, department_id__in=departments)
    claimed_by: dict[int, set[int]] = {}
    for item_id, department_id in claims.values_list("item_id", "department_id"):
        claimed_by.setdefault(item_id, set()).add(department_id)
    own: set[int | None] = {i for i in items if department.pk in claimed_by.get(i, set())}
    if department.pk == task.initiator_id:
        own |= {i for i in items if i not in claimed_by}
        own.add(None)
    return own


def task_summary(task: Task, department: Department) -> Summary:
    own = department_item_ids(task, department)
    summary = Summary(task=task, department=department)
    visits = list(task_visits(task))
    summary.drawn = len(visits)
    current: dict[int, Result] = {}
    for version in Result.objects.filter(visit__in=visits).order_by("visit_id", "version"):
        current[version.visit_id] = version  # the last one wins: the highest version
    items = (
        ItemResult.objects.filter(result__in=current.values(), task=task)
        .select_related("item_version", "item")
        .prefetch_related("categories__parent")
    )
    items_of: dict[int, list[ItemResult]] = {}
    for item_result in items:
        if item_result.item_id in own:
            items_of.setdefault(item_result.result_id, []).append(item_result)
    teams: dict[int, list[str]] = {}
    members = TeamMember.objects.filter(drawn__coverage__visit__in=visits, drawn__round__task=task).select_related(
        "inspector", "expert"
    )
    for member in members.values_list("drawn__coverage__visit_id", "inspector__name", "expert__name"):
        teams.setdefault(member[0], []).append(member[1] or f"专家 {member[2]}")
    follow_ups = FollowUp.objects.filter(visit__in=visits, task=task, department=department).prefetch_related("steps")
    follow_up_of: dict[int, list[FollowUp]] = {}
    for follow_up in follow_ups:
        follow_up_of.setdefault(follow_up.visit_id, []).append(follow_up)
        if follow_up.is_open:
            summary.follow_ups_open += 1
        else:
            summary.follow_ups_closed += 1
        for step in follow_up.steps.all():
            if step.kind not in (StepKind.NOTE, StepKind.CLOSE):
                summary.by_step[str(step.get_kind_display())] += 1
    for visit in visits:
        result: Result | None = current.get(visit.pk)
        mine = items_of.get(result.pk, []) if result else []
        names = sorted({str(c) for ir in mine for c in ir.categories.all()})
        summary.visited += visit.is_done
        if result is not None:
            summary.entered += 1
            summary.entered_late += result.entered_late
            summary.entered_on_time += not result.entered_late
            summary.with_problems += any(ir.problem_found for ir in mine)
            summary.by_category.update(names)
        summary.rows.append(
            Row(
                visit=visit,
                items=[ir.item_version.name if ir.item_version else task.items_text or task.name for ir in mine],
                categories=names,
                result=result,
                team=sorted(set(teams.get(visit.pk, []))),
                follow_up="；".join(
                    f.outcome if not f.is_open else f"处理中（{f.department.short_name or f.department.name}）"
                    for f in follow_up_of.get(visit.pk, [])
                ),
            )
        )
    return summary


HEADER = [
    "序号",
    "检查对象名称",
    "统一社会信用代码/标识",
    "地址",
    "检查事项",
    "检查完成日期",
    "检查结果",
    "检查情况",
    "后续处理",
    "检查人员",
    "录入期限",
    "录入时间",
    "是否逾期录入",
]


def summary_workbook(summary: Summary) -> bytes:
    """The summary table as .xlsx: the figures, then one row per drawn object (every text cell through
    `safe_cell`: whatever a result holds, the table is written and no cell is a formula)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "汇总"
    title = f"{summary.task.plan.year}年度 {summary.task.name} 检查结果汇总表（{summary.department.name}）"
    sheet.append([safe_cell(title)])
    sheet["A1"].font = Font(bold=True, size=14)
    figures = [
        ("抽取对象数", summary.drawn),
        ("已检查", summary.visited),
        ("已录入结果", summary.entered),
        ("按期录入", summary.entered_on_time),
        ("逾期录入", summary.entered_late),
        ("发现问题户数", summary.with_problems),
        ("后续处理：处理中", summary.follow_ups_open),
        ("后续处理：已办结", summary.follow_ups_closed),
    ]
    figures += [(f"检查结果：{name}", n) for name, n in sorted(summary.by_category.items())]
    figures += [(f"处理方式：{name}", n) for name, n in sorted(summary.by_step.items())]
    for label, value in figures:
        sheet.append([safe_cell(label), value])
    sheet.append(["生成时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    sheet.column_dimensions["A"].width = 40

    rows = workbook.create_sheet("明细")
    rows.append(HEADER)
    for cell in rows[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(summary.rows, start=1):
        result = row.result
        rows.append(
            safe_row(
                [
                    number,
                    row.visit.target.name,
                    row.visit.target.natural_key_value,
                    row.visit.target.address,
                    "；".join(row.items),
                    row.visit.visited_on,
                    "；".join(row.categories) if result else ("待录入" if row.visit.is_done else "待检查"),
                    result.findings if result else "",
                    row.follow_up,
                    "、".join(row.team),
                    row.visit.entry_deadline,
                    timezone.localtime(result.entered_at).strftime("%Y-%m-%d %H:%M") if result else "",
                    ("是" if result.entered_late else "否") if result else "",
                ]
            )
        )
    for column, width in zip("ABCDEFGHIJKLM", (6, 30, 22, 30, 30, 12, 30, 40, 24, 20, 12, 16, 10), strict=True):
        rows.column_dimensions[column].width = width
    for line in rows.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in (line[5], line[10]):
            cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
