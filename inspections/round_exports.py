"""A finished round's 抽查名单 (one row per drawn object) and 检查任务单 (one section per team).

Both are built from the same rows for the .xlsx download and the printable page. Tiers and
tickets appear only when the caller says the user may see them (`inspections.see_tiers`);
otherwise the rows come in code order, which reveals nothing of the tiers. Every text cell of
the workbooks goes through `registries.xlsx.safe_cell`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from inspections import selectors
from inspections.models import DrawRound, Visit
from registries.xlsx import safe_cell, safe_row


@dataclass
class Member:
    name: str
    certificate: str  # 执法证号; an expert's qualification
    is_expert: bool

    def label(self) -> str:
        if self.certificate:
            text = f"{self.name}{pgettext('punctuation', '（')}{self.certificate}{pgettext('punctuation', '）')}"
        else:
            text = self.name
        return _("专家 %(name)s") % {"name": text} if self.is_expert else text


@dataclass
class ListRow:
    number: int
    name: str
    code: str
    address: str
    members: list[Member]
    visit: Visit | None
    tier: str = ""
    ticket: str = ""

    @property
    def team_text(self) -> str:
        return pgettext("punctuation", "、").join(m.label() for m in self.members) or _("未匹配")

    @property
    def window_text(self) -> str:
        return window_text(self.visit)


@dataclass
class Item:
    name: str
    methods: str


@dataclass
class TeamSheet:
    number: int
    members: list[Member]
    rows: list[ListRow] = field(default_factory=list)

    @property
    def team_text(self) -> str:
        return pgettext("punctuation", "、").join(m.label() for m in self.members) or _("未匹配")


@dataclass
class RoundExport:
    round: DrawRound
    see_tiers: bool
    items: list[Item]
    rows: list[ListRow]

    @property
    def items_text(self) -> str:
        return pgettext("punctuation", "；").join(i.name for i in self.items)

    @property
    def methods_text(self) -> str:
        return pgettext("punctuation", "；").join(dict.fromkeys(i.methods for i in self.items if i.methods))

    @property
    def title(self) -> str:
        return f"{self.round.task.plan.year} {self.round.task.name} · " + _("第%(n)s轮") % {"n": self.round.round_no}

    def teams(self) -> list[TeamSheet]:
        """The rows grouped by team (the same members), in list order; unmatched rows last."""
        sheets: dict[tuple[str, ...], TeamSheet] = {}
        unmatched = TeamSheet(number=0, members=[])
        for row in self.rows:
            if not row.members:
                unmatched.rows.append(row)
                continue
            key = tuple(sorted(f"{m.is_expert}:{m.name}:{m.certificate}" for m in row.members))
            if key not in sheets:
                sheets[key] = TeamSheet(number=len(sheets) + 1, members=row.members)
            sheets[key].rows.append(row)
        result = list(sheets.values())
        if unmatched.rows:
            unmatched.number = len(result) + 1
            result.append(unmatched)
        return result


def window_text(visit: Visit | None) -> str:
    if visit is None:
        return ""
    return f"{visit.period_start:%Y-%m-%d}—{visit.period_end:%Y-%m-%d}"


def round_export(draw_round: DrawRound, *, see_tiers: bool) -> RoundExport:
    """The drawn objects of this round only: ticket order with tiers for those who may see them, else code order."""
    drawn = selectors.round_drawn(draw_round)
    if not see_tiers:
        drawn = drawn.order_by("key")
    items = []
    for item in draw_round.task.items.prefetch_related("versions").order_by("code"):
        version = item.current_version
        items.append(
            Item(
                name=version.name if version else item.code,
                methods=pgettext("punctuation", "、").join(version.method_labels()) if version else "",
            )
        )
    if not items and draw_round.task.items_text:
        items = [Item(name=draw_round.task.items_text, methods="")]
    rows = []
    for number, d in enumerate(drawn, start=1):
        members = []
        for m in d.team.all():
            if m.inspector is not None:
                members.append(Member(name=m.inspector.name, certificate=m.inspector.certificate_no, is_expert=False))
            elif m.expert is not None:
                members.append(Member(name=m.expert.name, certificate=m.expert.qualification, is_expert=True))
        coverage = getattr(d, "coverage", None)
        rows.append(
            ListRow(
                number=number,
                name=d.target.name,
                code=d.key,
                address=d.target.address,
                members=members,
                visit=coverage.visit if coverage else None,
                tier=d.tier if see_tiers else "",
                ticket=d.ticket if see_tiers else "",
            )
        )
    return RoundExport(round=draw_round, see_tiers=see_tiers, items=items, rows=rows)


def _bold_header(sheet: object, row: int) -> None:
    for cell in sheet[row]:  # type: ignore[index]
        cell.font = Font(bold=True)


def list_workbook(export: RoundExport) -> bytes:
    """抽查名单 as .xlsx: a title, then one row per drawn object."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("抽查名单")
    sheet.append([safe_cell(export.title + " " + _("抽查名单"))])
    sheet["A1"].font = Font(bold=True, size=14)
    header = [
        _("序号"),
        _("检查对象名称"),
        _("统一社会信用代码/注册号"),
        _("地址"),
        _("检查事项"),
        _("检查组（姓名、执法证号）"),
        _("计划检查日期"),
    ]
    if export.see_tiers:
        header += [_("信用风险分类"), _("签号")]
    sheet.append(header)
    _bold_header(sheet, 2)
    for row in export.rows:
        values: list[object] = [
            row.number,
            row.name,
            row.code,
            row.address,
            export.items_text,
            row.team_text,
            row.window_text,
        ]
        if export.see_tiers:
            values += [row.tier, row.ticket]
        sheet.append(safe_row(values))
    for column, width in zip("ABCDEFG", (6, 36, 22, 40, 30, 40, 24), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append([])
    sheet.append([_("生成时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tasks_workbook(export: RoundExport) -> bytes:
    """检查任务单 as .xlsx: one section per team (members, items, methods, objects and windows)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("检查任务单")
    sheet.append([safe_cell(export.title + " " + _("检查任务单"))])
    sheet["A1"].font = Font(bold=True, size=14)
    for team in export.teams():
        sheet.append([])
        sheet.append([_("检查组 %(n)s") % {"n": team.number}])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
        sheet.append(safe_row([_("检查组成员"), team.team_text]))
        sheet.append(safe_row([_("检查事项"), export.items_text]))
        sheet.append(safe_row([_("检查方式"), export.methods_text]))
        sheet.append(
            [_("序号"), _("检查对象名称"), _("统一社会信用代码/注册号"), _("地址"), _("检查期限"), _("结果录入期限")]
        )
        _bold_header(sheet, sheet.max_row)
        for number, row in enumerate(team.rows, start=1):
            deadline = row.visit.entry_deadline if row.visit else None
            sheet.append(safe_row([number, row.name, row.code, row.address, row.window_text, deadline]))
    for column, width in zip("ABCDEF", (14, 36, 22, 40, 24, 14), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
