"""Workbooks of the dashboard: the figures and the department table, the half-year summary (due
10 June) and the yearly self-check (due 10 December), pre-filled from the data.

Internal documents for the office (tiers appear only as aggregates), never offered on the
public site.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from publicity.dashboard import Figures, Row
from registries.xlsx import safe_cell, safe_row

RED = PatternFill("solid", fgColor="F8D7DA")
BOLD = Font(bold=True)

COLUMNS: list[tuple[str, str]] = [
    ("name", "部门"),
    ("tasks_planned", "计划任务数"),
    ("tasks_started", "已启动任务数"),
    ("tasks_finished", "已完成任务数"),
    ("tasks_not_started", "到期未启动任务数"),
    ("tasks_expired", "检查期已结束仍未抽取任务数"),
    ("drawn", "抽取对象数"),
    ("visits_done", "已检查户次"),
    ("visits_saved", "合并检查减少户次"),
    ("enterprises", "存续企业数"),
    ("enterprises_inspected", "已抽查企业数"),
    ("coverage", "企业抽查覆盖率（%）"),
    ("visits_entered", "已录入结果户次"),
    ("entry_rate", "结果录入率（%）"),
    ("entered_late", "逾期录入户次"),
    ("visits_overdue", "逾期未录入户次"),
    ("inspections_entered", "应公示结果数"),
    ("published", "已公示结果数"),
    ("publicity_rate", "结果公示率（%）"),
    ("tier_use_tasks", "信用风险分类应用率（任务，%）"),
    ("tier_use_drawn", "信用风险分类应用率（对象，%）"),
    ("follow_ups_open", "未办结后续处理"),
    ("follow_ups_overdue", "逾期后续处理"),
]
# Which goal each column belongs to (red when missed).
GOAL_OF = {
    "coverage": "coverage",
    "entry_rate": "entry",
    "entered_late": "entry",
    "visits_overdue": "entry",
    "publicity_rate": "publicity",
    "tier_use_tasks": "tier_use",
    "tier_use_drawn": "tier_use_drawn",
    "tasks_not_started": "not_started",
    "tasks_expired": "expired",
    "follow_ups_overdue": "follow_ups",
}


def _value(row: Row, attr: str) -> Any:
    value = getattr(row, attr)
    # Department names come from imported tables: never a formula, never a character XML refuses.
    return float(value) if isinstance(value, Decimal) else safe_cell(value)


def _table(ws: Worksheet, figures: Figures, start_row: int = 1) -> int:
    for col, (_attr, label) in enumerate(COLUMNS, start=1):
        ws.cell(start_row, col, label).font = BOLD
    r = start_row
    for row in [*figures.rows, figures.total]:
        r += 1
        missed = figures.missed(row)
        for col, (attr, _label) in enumerate(COLUMNS, start=1):
            cell = ws.cell(r, col, _value(row, attr))
            if missed.get(GOAL_OF.get(attr, ""), False):
                cell.fill = RED
        if row is figures.total:
            for col in range(1, len(COLUMNS) + 1):
                ws.cell(r, col).font = BOLD
    ws.column_dimensions["A"].width = 34
    return r


def _figures_sheet(ws: Worksheet, figures: Figures) -> None:
    t = figures.total
    scope = figures.department.name if figures.department else "全部门"
    lines: list[tuple[str, Any, str]] = [
        ("年度", figures.year, ""),
        ("范围", scope, ""),
        ("统计日期", figures.today.isoformat(), ""),
        ("计划任务数", t.tasks_planned, ""),
        ("已启动任务数", t.tasks_started, ""),
        ("已完成任务数", t.tasks_finished, ""),
        ("到期未启动任务数", t.tasks_not_started, "0"),
        ("检查期已结束仍未抽取任务数", t.tasks_expired, "0"),
        ("抽取对象数", t.drawn, ""),
        ("已检查户次", t.visits_done, ""),
        ("合并检查减少户次（进一次门，查多项事）", t.visits_saved, ""),
        ("企业抽查覆盖率（%）", _num(t.coverage), f">= {figures.goals.coverage}"),
        ("结果录入率（%）", _num(t.entry_rate), "100"),
        ("按时录入率（%）", _num(t.on_time_rate), "100"),
        ("逾期录入户次", t.entered_late, "0"),
        ("逾期未录入户次", t.visits_overdue, "0"),
        ("结果公示率（%）", _num(t.publicity_rate), "100"),
        ("公示异常（未处理）", figures.publication_issues_open, "0"),
        ("信用风险分类应用率（任务，%）", _num(t.tier_use_tasks), f">= {figures.goals.tier_use}"),
        ("信用风险分类应用率（对象，%）", _num(t.tier_use_drawn), f">= {figures.goals.tier_use}"),
        ("未办结后续处理", t.follow_ups_open, ""),
        ("逾期后续处理", t.follow_ups_overdue, "0"),
        ("抽取公平性检验：存在偏向", figures.fairness_flagged, "0"),
    ]
    ws.append(["指标", "数值", "目标"])
    for cell in ws[1]:
        cell.font = BOLD
    for line in lines:
        ws.append(safe_row(line))
    ws.append([])
    ws.append(["发现问题率（按信用风险分类）", "检查户次", "发现问题户次", "每百户次发现问题"])
    for finds in figures.finds:
        ws.append(safe_row([finds.label, finds.visits, finds.problems, _num(finds.per_hundred)]))
    ws.column_dimensions["A"].width = 40


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def figures_to_xlsx(figures: Figures) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "指标"
    _figures_sheet(ws, figures)
    _table(wb.create_sheet("部门明细"), figures)
    return _save(wb)


def report_to_xlsx(figures: Figures, *, kind: str, tasks: list[dict[str, Any]]) -> bytes:
    """The half-year summary (kind "half-year") or the yearly self-check (kind "self-check")."""
    wb = Workbook()
    ws = wb.active
    half = kind == "half-year"
    ws.title = "上半年工作总结" if half else "年度自查"
    scope = figures.department.name if figures.department else "全县（各部门合计）"
    title = (
        f"{figures.year}年上半年“双随机、一公开”监管工作总结（{scope}，报送期限 {figures.year}-06-10）"
        if half
        else f"{figures.year}年度“双随机、一公开”监管工作自查报告（{scope}，报送期限 {figures.year}-12-10）"
    )
    ws.append(safe_row([title]))
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"数据截至 {figures.today.isoformat()}，由平台根据录入数据自动生成，报送前请核对。"])
    ws.append([])
    t = figures.total
    missed = figures.total_missed
    ws.append(["一、工作开展情况"])
    ws.append(
        [
            f"本年度计划抽查任务 {t.tasks_planned} 项，已启动 {t.tasks_started} 项，已完成 {t.tasks_finished} 项；"
            f"抽取检查对象 {t.drawn} 户，已完成检查 {t.visits_done} 户次，"
            f"通过“进一次门，查多项事”减少入企 {t.visits_saved} 户次。"
        ]
    )
    ws.append(
        [
            f"企业抽查覆盖率 {_pct(t.coverage)}（目标不低于 {figures.goals.coverage}%）；"
            f"结果录入率 {_pct(t.entry_rate)}，"
            f"逾期录入 {t.entered_late} 户次，逾期未录入 {t.visits_overdue} 户次；"
            f"结果公示率 {_pct(t.publicity_rate)}。"
        ]
    )
    ws.append(
        [
            f"信用风险分类结果应用：按分类抽取的任务占 {_pct(t.tier_use_tasks)}，对象占 {_pct(t.tier_use_drawn)}"
            f"（目标不低于 {figures.goals.tier_use}%）。"
        ]
    )
    ws.append([f"后续处理：未办结 {t.follow_ups_open} 件，其中逾期 {t.follow_ups_overdue} 件。"])
    ws.append([])
    ws.append(["二、存在的问题"])
    problems = []
    if missed["not_started"]:
        problems.append(f"{t.tasks_not_started} 项任务已到检查期限开始时间仍未抽取。")
    if missed["expired"]:
        problems.append(f"{t.tasks_expired} 项任务检查期已结束仍未抽取。")
    if missed["coverage"]:
        problems.append("企业抽查覆盖率未达到目标。")
    if missed["entry"]:
        problems.append("存在未在20个工作日内录入的检查结果。")
    if missed["publicity"]:
        problems.append("存在已录入未公示的检查结果。")
    if missed["tier_use"] or missed["tier_use_drawn"]:
        problems.append("信用风险分类结果应用率未达到目标。")
    if missed["follow_ups"]:
        problems.append("存在逾期未办结的后续处理。")
    if figures.fairness_flagged:
        problems.append(f"{figures.fairness_flagged} 项抽取公平性检验提示存在区域或行业偏向，请核查。")
    for line in problems or ["（未发现未达标指标）"]:
        ws.append(safe_row([line]))
    ws.append([])
    ws.append(["三、下一步工作打算"])
    ws.append(["（请填写）"])
    ws.column_dimensions["A"].width = 120
    _figures_sheet(wb.create_sheet("主要指标"), figures)
    _table(wb.create_sheet("部门明细"), figures)
    task_sheet = wb.create_sheet("任务完成情况")
    headers = ["计划", "序号", "抽查任务", "发起部门", "检查期间", "抽取对象数", "已检查", "已录入", "发现问题"]
    task_sheet.append(headers)
    for cell in task_sheet[1]:
        cell.font = BOLD
    for task in tasks:
        task_sheet.append(safe_row(task.get(h) for h in headers))
    task_sheet.column_dimensions["C"].width = 40
    return _save(wb)


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"
