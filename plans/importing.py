"""Plan tables (.xlsx, TSV) to parsed tasks: header below a title, merged cells filled, every cell parsed.

`parse_table` is pure given a resolver (no writes); `services.plan_import` commits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from credit_risk.allocation import RatioSpec
from credit_risk.tables import TableRefusedError, normalise_header
from plans import parsing
from plans.parsing import CellError, DepartmentRef
from registries.importing.columns import unknown_message
from registries.importing.headers import Column, ColumnMatch, HeaderSpec, find_header
from registries.importing.workbook import TEXT, XLS, SheetReader, WorkbookRefused

# Every column a plan table may have: Chinese label, header spellings seen in real plans
# (and in our own export), keywords for the spellings not seen yet.
PLAN_COLUMNS = HeaderSpec(
    [
        Column("number", "序号", ("编号", "任务编号", "抽查任务编号")),
        Column("name", "抽查任务名称", ("任务名称", "抽查任务", "抽查任务名"), ("任务名称", "任务")),
        Column("directed", "抽查类型", ("定向/不定向", "是否定向", "定向或不定向"), ("定向",)),
        Column("items", "抽查事项", ("抽查内容", "检查事项", "抽查事项及内容", "检查内容"), ("事项",)),
        Column("scope", "抽查对象范围", ("抽查对象", "检查对象", "对象范围"), ("对象",)),
        Column(
            "ratio",
            "抽查比例",
            ("抽查比例及频次", "抽查比例/数量", "抽查比例和频次", "抽查比例及数量", "比例及频次"),
            ("比例",),
        ),
        Column("frequency", "抽查频次", ("检查频次", "抽查频率", "频次"), ("频次", "频率")),
        Column(
            "credit_rule",
            "信用风险分类要求",
            ("智慧监管(信用风险分类要求)", "信用风险分类管理", "信用风险分类", "信用风险分类运用"),
            ("信用风险", "信用分类", "风险分类", "信用", "分级分类"),
        ),
        Column("period", "抽查起止时间", ("抽查时间", "起止时间", "实施时间", "完成时限"), ("时间", "时限", "起止")),
        Column(
            "initiator",
            "发起部门",
            ("发起主体/指导单位", "发起主体", "发起单位", "牵头部门", "牵头单位"),
            ("发起", "牵头"),
        ),
        Column("guide", "指导单位", ("指导部门",), ("指导",)),
        Column("cooperating", "配合部门", ("参与部门", "配合单位", "联合部门", "参与单位"), ("配合", "参与")),
        Column("task_type", "任务类型", ("联合/内部", "联合或内部"), ("联合",)),
        Column(
            "mode",
            "抽查方式",
            ("检查主体检查方式", "检查方式", "抽查模式", "实施方式", "检查模式", "组织方式"),
            ("方式", "模式"),
        ),
        Column("remark", "备注", ("说明",)),
        # columns no field of a task holds: kept as written in the task's `extra`
        Column("inspecting_body", "检查主体", ("实施主体", "执法主体", "抽查主体"), ("主体",)),
        Column("level", "抽查层级", ("实施层级", "层级"), ("层级",)),
        Column("basis", "检查依据", ("抽查依据", "法律依据", "依据"), ("依据",)),
        Column("division", "责任科室", ("承办科室", "责任股室", "责任科（股）室", "承办机构"), ("科室", "股室")),
    ]
)
EXTRA_COLUMNS = ("inspecting_body", "level", "basis", "division")
COLUMNS: dict[str, set[str]] = {c.field: {c.label, *c.synonyms} for c in PLAN_COLUMNS.columns.values()}

# Text exports of tables with merged cells leave the lower cells of a merge empty.
FILL_DOWN_IN_TEXT = ("items", "credit_rule", "period", "initiator", "mode")

WARNING_WORDS = (
    ("年报全0申报", "zero_report"),
    ("关联企业", "related"),
    ("一址多照", "same_address"),
    ("经营异常", "abnormal"),
    ("严重违法", "serious"),
)


@dataclass
class ParsedTask:
    row: int
    number: int
    name: str
    directed: bool | None = None
    items_text: str = ""
    items: list[str] = field(default_factory=list)
    scope_text: str = ""
    scope_warning: str = ""
    ratio_text: str = ""
    ratio_kind: str = ""
    ratio_percent: str | None = None
    ratio_count: int | None = None
    times_per_year: int | None = None
    credit_rule_text: str = ""
    uses_tiers: bool = False
    period_text: str = ""
    start_month: int | None = None
    end_month: int | None = None
    initiator_text: str = ""
    initiator: list[DepartmentRef] = field(default_factory=list)
    guide_text: str = ""
    cooperating_text: str = ""
    cooperating: list[DepartmentRef] = field(default_factory=list)
    task_type: str = ""
    modes: list[str] = field(default_factory=list)
    mode_remark: str = ""
    remark: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    filled: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def initiator_id(self) -> int | None:
        return self.initiator[0].department_id if self.initiator else None

    @property
    def cooperating_ids(self) -> list[int]:
        own = self.initiator_id
        return [r.department_id for r in self.cooperating if r.department_id is not None and r.department_id != own]

    def ratio_spec(self) -> RatioSpec:
        from credit_risk.allocation import RatioKind

        return RatioSpec(
            kind=RatioKind(self.ratio_kind),
            percent=Decimal(self.ratio_percent) if self.ratio_percent is not None else None,
            count=self.ratio_count,
            times_per_year=self.times_per_year,
        )

    def comparable(self, name_of: Callable[[int], str]) -> dict[str, Any]:
        """The fields that make up the task, with departments by name: for round trips and tests."""
        return {
            "number": self.number,
            "name": self.name,
            "directed": self.directed,
            "items_text": self.items_text,
            "scope_text": self.scope_text,
            "ratio_kind": self.ratio_kind,
            "ratio_percent": self.ratio_percent,
            "ratio_count": self.ratio_count,
            "times_per_year": self.times_per_year,
            "uses_tiers": self.uses_tiers,
            "credit_rule_text": self.credit_rule_text,
            "start_month": self.start_month,
            "end_month": self.end_month,
            "initiator": name_of(self.initiator_id) if self.initiator_id else None,
            "guide_text": self.guide_text,
            "cooperating": sorted(name_of(i) for i in self.cooperating_ids),
            "task_type": self.task_type,
            "modes": self.modes,
            "mode_remark": self.mode_remark,
            "remark": self.remark,
            "extra": self.extra,
        }


@dataclass
class ParsedPlan:
    title: str
    tasks: list[ParsedTask]
    errors: list[str] = field(default_factory=list)
    # every column of the file with the field it landed in (None: unknown, IGNORE: ignored)
    headers: list[ColumnMatch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # rows that are notes under the table, not tasks

    @property
    def unknown_columns(self) -> list[str]:
        return [c.header for c in self.headers if c.unknown and c.header]

    @property
    def unresolved(self) -> list[str]:
        names: list[str] = []
        for task in self.tasks:
            for ref in (*task.initiator, *task.cooperating):
                if ref.department_id is None and ref.text not in names:
                    names.append(ref.text)
        return names

    @property
    def all_errors(self) -> list[str]:
        return [*self.errors, *(e for t in self.tasks for e in t.errors)]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _cell(row: list[object], cols: dict[str, int], name: str) -> str:
    index = cols.get(name)
    if index is None or index >= len(row) or row[index] is None:
        return ""
    value = row[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


_NUMBER = re.compile(r"^\d+$")


def parse_rows(
    rows: list[list[object]],
    *,
    year: int,
    resolve: Callable[[str], int | None],
    fill_down: bool,
    overrides: Mapping[str, str] | None = None,
) -> ParsedPlan:
    """Parse every task row; errors name the row number of the file and the reason.

    `overrides` maps headers the user named (header -> field, or IGNORE). A column that
    names no field is an error until mapped or ignored: nothing in the file is dropped unseen.
    """
    try:
        match = find_header(rows, PLAN_COLUMNS, overrides=overrides)
    except WorkbookRefused as exc:
        raise TableRefusedError(str(exc)) from exc
    header_index, cols = match.data_start - 1, match.fields
    title = ""
    for row in rows[: match.rows[0]]:
        title = next((str(c).strip() for c in row if c not in (None, "")), "")
        if title:
            break
    plan = ParsedPlan(title=title, tasks=[], headers=match.columns)
    if match.unknown:
        plan.errors.append(unknown_message(match))
    missing = [PLAN_COLUMNS.label(name) for name in ("name", "ratio") if name not in cols]
    if missing:
        plan.errors.append(_("表头中没有“%(c)s”列") % {"c": "”“".join(missing)})
        return plan
    previous: dict[str, str] = {}
    section = ""
    for number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        values = {name: _cell(list(row), cols, name) for name in cols}
        if not any(values.values()):
            continue
        if normalise_header(values.get("number")) == "序号":  # a repeated header on a new page
            continue
        if heading := _section_heading(row):
            section = heading  # 一、部门联合抽查任务: the tasks below are joint
            continue
        if note := _note(list(row), cols):
            plan.notes.append(_("第 %(r)d 行：表格说明，不是抽查任务：%(t)s") % {"r": number, "t": note})
            continue
        last_task = plan.tasks[-1] if plan.tasks else None
        if last_task is not None and _continues(values, last_task):
            _continue_task(last_task, values, number, resolve)
            continue
        task = ParsedTask(row=number, number=0, name=values.get("name", ""))
        if fill_down:
            for name in FILL_DOWN_IN_TEXT:
                if name in cols and not values[name] and previous.get(name):
                    values[name] = previous[name]
                    task.filled.append(name)
        previous = values
        _parse_task(task, values, year=year, resolve=resolve, position=len(plan.tasks) + 1, section=section)
        plan.tasks.append(task)
    if not plan.tasks:
        plan.errors.append(_("表中没有抽查任务"))
    return plan


def _parse_task(
    task: ParsedTask,
    values: dict[str, str],
    *,
    year: int,
    resolve: Callable[[str], int | None],
    position: int,
    section: str = "",
) -> None:
    def error(message: str) -> None:
        task.errors.append(_("第 %(row)d 行：%(message)s") % {"row": task.row, "message": message})

    raw_number = parsing.clean(values.get("number"))
    task.number = int(raw_number) if _NUMBER.match(raw_number) else position
    if not task.name:
        error(_("抽查任务名称为空"))
    try:
        task.directed = parsing.parse_directed(values.get("directed"))
    except CellError as exc:
        error(str(exc))
    task.items_text = values.get("items", "")
    task.items = parsing.split_items(task.items_text)
    task.scope_text = values.get("scope", "")
    for word, kind in WARNING_WORDS:
        if word in task.name:
            task.scope_warning = kind
            break
    else:
        for word, kind in WARNING_WORDS:
            if word in task.scope_text:
                task.scope_warning = kind
                break
    task.ratio_text = values.get("ratio", "")
    try:
        spec = parsing.parse_ratio(task.ratio_text)
        task.ratio_kind = spec.kind.value
        task.ratio_percent = str(spec.percent) if spec.percent is not None else None
        task.ratio_count = spec.count
        task.times_per_year = spec.times_per_year
    except CellError as exc:
        error(str(exc))
    if values.get("frequency"):
        try:
            task.times_per_year = parsing.parse_times(values["frequency"])
        except CellError as exc:
            error(str(exc))
    task.credit_rule_text = values.get("credit_rule", "")
    try:
        task.uses_tiers = parsing.parse_uses_tiers(task.credit_rule_text)
    except CellError as exc:
        error(str(exc))
    task.period_text = values.get("period", "")
    if task.period_text:
        try:
            period = parsing.parse_period(task.period_text)
            task.start_month, task.end_month = period.start_month, period.end_month
            if (period.start_year and period.start_year != year) or (period.end_year and period.end_year != year):
                error(_("抽查起止时间“%(value)s”不在 %(year)d 年度内") % {"value": task.period_text, "year": year})
        except CellError as exc:
            error(str(exc))
    else:
        task.warnings.append(_("第 %(row)d 行：没有抽查起止时间") % {"row": task.row})
    head, guide = parsing.split_initiator(values.get("initiator"))
    task.initiator_text = values.get("initiator", "")
    task.guide_text = values.get("guide") or parsing.strip_role(guide)
    task.initiator = parsing.split_departments(head, resolve)
    if len(task.initiator) > 1:
        # several initiators: the first initiates, the others cooperate
        task.cooperating.extend(task.initiator[1:])
        task.initiator = task.initiator[:1]
    if not task.initiator:
        task.warnings.append(_("第 %(row)d 行：没有发起部门，按本计划制定部门处理") % {"row": task.row})
    task.cooperating_text = values.get("cooperating", "")
    for ref in parsing.split_departments(task.cooperating_text, resolve):
        if ref not in task.cooperating:
            task.cooperating.append(ref)
    try:
        task.modes, task.mode_remark = parsing.parse_modes(values.get("mode"))
    except CellError as exc:
        error(str(exc))
    task.remark = values.get("remark", "")
    task.extra = {PLAN_COLUMNS.label(c): values[c] for c in EXTRA_COLUMNS if values.get(c)}
    joint = parsing.parse_joint(values.get("task_type") or task.remark)
    if joint is None:
        joint = parsing.parse_joint(section)
    if joint is None:
        joint = bool(task.cooperating_ids) or any(r.department_id is None for r in task.cooperating)
    task.task_type = "joint" if joint else "internal"


_SECTION_NUMBER = re.compile(r"^[（(]?[一二三四五六七八九十]+[)）、.．]")


def _section_heading(row: list[object]) -> str:
    """A row holding one text only, merged across the table or numbered 一、…: a part of the plan."""
    texts = [parsing.clean(v) for v in row if parsing.clean(v)]
    if not texts or len(set(texts)) != 1 or len(texts[0]) > 40:
        return ""
    return texts[0] if len(texts) >= 2 or _SECTION_NUMBER.match(texts[0]) else ""


def _note(row: list[object], cols: dict[str, int]) -> str:
    """A row with one text, in the 序号 column or outside the table's columns (注：…, 制表人：…):
    a note under the table, not a task and not more of the task above."""
    filled = [(i, " ".join(str(v).split())) for i, v in enumerate(row) if v is not None and str(v).strip()]
    if len(filled) != 1:
        return ""
    index, note = filled[0]
    if _NUMBER.match(note) or (index in cols.values() and index != cols.get("number")):
        return ""
    return note


def _continues(values: dict[str, str], task: ParsedTask) -> bool:
    """A continuation row: no number and no name of its own (or those of the task above,
    repeated by merged cells), carrying more of the task above (a second department, more items)."""
    number, name = values.get("number", ""), values.get("name", "")
    if not number and not name:
        return True
    return bool(number) and parsing.clean(number) == str(task.number) and name == task.name


def _continue_task(task: ParsedTask, values: dict[str, str], row: int, resolve: Callable[[str], int | None]) -> None:
    def more(old: str, new: str) -> str:
        return old if not new or new in old else f"{old}\n{new}" if old else new

    items = values.get("items", "")
    if items and items not in task.items_text:
        task.items_text = more(task.items_text, items)
        task.items = parsing.split_items(task.items_text)
    for key in ("initiator", "cooperating"):
        text = values.get(key, "")
        if key == "initiator":
            text = parsing.split_initiator(text)[0]
        for ref in parsing.split_departments(text, resolve):
            if ref not in task.cooperating and ref not in task.initiator:
                task.cooperating.append(ref)
    task.remark = more(task.remark, values.get("remark", ""))
    task.warnings.append(_("第 %(r)d 行：续行，并入第 %(t)d 行的任务") % {"r": row, "t": task.row})
    if task.task_type == "internal" and task.cooperating:
        task.task_type = "joint"


def read_rows(path: Path) -> tuple[list[list[object]], bool]:
    """The first sheet of an .xlsx/.xls file, or a CSV/TSV text (UTF-8, BOM, GB18030), and whether
    blank cells below a merged-looking group are to be filled from the row above (files that
    carry no merged ranges: text, and .xls saved without them)."""
    try:
        with SheetReader(path) as reader:
            rows = list(reader)
            return rows, reader.format == TEXT or (reader.format == XLS and not reader.merges)
    except WorkbookRefused as exc:
        raise TableRefusedError(str(exc)) from exc


def parse_file(
    path: Path,
    *,
    year: int,
    resolve: Callable[[str], int | None],
    overrides: Mapping[str, str] | None = None,
) -> ParsedPlan:
    rows, fill_down = read_rows(path)
    return parse_rows(rows, year=year, resolve=resolve, fill_down=fill_down, overrides=overrides)
