"""Plan export: JSON (each field separate) and .xlsx in the government layout (title, standard columns).

Credit-risk tiers of targets are never exported: a plan states only whether tiers apply.
"""

from __future__ import annotations

import io
from typing import Any

from django.db.models import Prefetch

from credit_risk.allocation import RatioKind, RatioSpec
from plans.models import Plan, Task, items_label
from plans.parsing import Period, format_modes, format_period, format_ratio
from registries.models import ChecklistItemVersion
from registries.xlsx import safe_cell, safe_row

# Header texts in the order of the government layout; each is accepted by the importer.
XLSX_COLUMNS = (
    ("number", "序号"),
    ("name", "抽查任务名称"),
    ("directed", "抽查类型"),
    ("items", "抽查事项"),
    ("scope", "抽查对象范围"),
    ("ratio", "抽查比例及频次"),
    ("credit_rule", "信用风险分类要求"),
    ("period", "抽查起止时间"),
    ("initiator", "发起部门"),
    ("guide", "指导单位"),
    ("cooperating", "配合部门"),
    ("task_type", "任务类型"),
    ("mode", "抽查方式"),
    ("remark", "备注"),
)
WIDTHS = {"number": 6, "name": 30, "items": 50, "scope": 24, "credit_rule": 30, "mode": 30, "remark": 16}


def task_to_dict(task: Task) -> dict[str, Any]:
    return {
        "number": task.number,
        "name": task.name,
        "task_type": task.task_type,
        "directed": task.directed,
        "items_text": task.items_text,
        "items": [item.code for item in task.items.all()],
        "item_names": task.item_names(),
        # The versions in force when this was written: a published plan version keeps
        # pointing at them after the checklist changes.
        "item_versions": {
            item.code: v.version for item in task.items.all() for v in item.versions.all() if v.superseded_at is None
        },
        "scope_text": task.scope_text,
        "scope_warning": task.scope_warning or None,
        "ratio": {
            "kind": task.ratio_kind,
            "percent": str(task.ratio_spec().percent) if task.ratio_percent is not None else None,
            "count": task.ratio_count,
            "text": format_ratio(task.ratio_spec()),
        },
        "times_per_year": task.times_per_year,
        "start_month": task.start_month,
        "end_month": task.end_month,
        "initiator": task.initiator.name if task.initiator else None,
        "guide": task.guide_text,
        "cooperating": sorted(d.name for d in task.cooperating.all()),
        "modes": list(task.modes),
        "mode_remark": task.mode_remark,
        "uses_tiers": task.uses_tiers,
        "credit_rule": task.credit_rule_text,
        "remark": task.remark,
    }


def plan_tasks(plan: Plan) -> list[Task]:
    return list(
        plan.tasks.select_related("initiator")
        .prefetch_related(
            "cooperating",
            "items",
            Prefetch("items__versions", queryset=ChecklistItemVersion.objects.filter(superseded_at__isnull=True)),
        )
        .order_by("number", "id")
    )


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "title": plan.title,
        "year": plan.year,
        "owner": plan.owner.name,
        "status": plan.status,
        "version": plan.version,
        "published_at": plan.published_at.isoformat() if plan.published_at else None,
        "tasks": [task_to_dict(t) for t in plan_tasks(plan)],
    }


def _row(task: dict[str, Any]) -> dict[str, str | int]:
    ratio = task["ratio"]
    from decimal import Decimal

    spec = RatioSpec(
        kind=RatioKind(ratio["kind"]),
        percent=Decimal(ratio["percent"]) if ratio["percent"] is not None else None,
        count=ratio["count"],
        times_per_year=task["times_per_year"],
    )
    period = ""
    if task["start_month"] and task["end_month"]:
        period = format_period(Period(task["start_month"], task["end_month"]))
    directed = {True: "定向", False: "不定向"}.get(task["directed"], "")
    return {
        "number": task["number"],
        "name": task["name"],
        "directed": directed,
        "items": items_label(task["items_text"], task.get("item_names") or []),
        "scope": task["scope_text"],
        "ratio": format_ratio(spec),
        "credit_rule": task["credit_rule"],
        "period": period,
        "initiator": task["initiator"] or "",
        "guide": task["guide"],
        "cooperating": "、".join(task["cooperating"]),
        "task_type": "部门联合" if task["task_type"] == "joint" else "内部",
        "mode": format_modes(task["modes"], task["mode_remark"]),
        "remark": task["remark"],
    }


def plan_to_xlsx(data: dict[str, Any]) -> bytes:
    """A workbook like the ones bureaus publish: a merged title row, the header, one row per task."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "抽查计划"
    ws.append([safe_cell(data["title"])])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(XLSX_COLUMNS))
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.append([label for _key, label in XLSX_COLUMNS])
    for col in range(1, len(XLSX_COLUMNS) + 1):
        ws.cell(2, col).font = Font(bold=True)
    for task in data["tasks"]:
        row = _row(task)
        # Whatever a task holds, the cell is written: no character XML refuses, never a formula.
        ws.append(safe_row(row[key] for key, _label in XLSX_COLUMNS))
    for index, (key, _label) in enumerate(XLSX_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = WIDTHS.get(key, 14)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
