"""The item checklist (随机抽查事项清单) workbook, as provinces publish it.

Columns: 序号 | 部门 | 抽查类别 | 抽查事项 (事项名称 | 检查内容 under a merged group cell, or a
single column) | 检查对象 | 检查依据 | 检查主体 | 检查方式 | 备注, optionally 事项编码. Department
and category cells are merged over many items; one item's legal bases often continue on
extra rows below it (empty 序号 and 事项名称, or the same ones through merged cells).

An item is keyed by its 事项编码; a published list without one is keyed by department and
name. A changed item gets a new version (the old one superseded, never rewritten).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from registries.importing.common import Rejected, RowError, cell, is_blank, limited, text
from registries.importing.inspectors import _key, department_lookup
from registries.importing.workbook import find_header, read_sheet
from registries.models import (
    ChecklistItem,
    ChecklistItemVersion,
    Department,
    InspectionMethod,
    ItemCategory,
    ItemClaim,
    LegalBasis,
    User,
)

HEADERS = {
    "code": "事项编码",
    "number": "序号",
    "departments": "部门",
    "category": "抽查类别",
    "name": "事项名称",
    "content": "检查内容",
    "object_type": "检查对象",
    "legal_basis": "检查依据",
    "inspecting_body": "检查主体",
    "methods": "检查方式",
    "note": "备注",
}
COLUMNS: dict[str, set[str]] = {
    "code": {"事项编码", "编码", "事项代码"},
    "number": {"序号"},
    "departments": {"部门", "实施部门", "认领部门", "抽查部门"},
    "category": {"抽查类别", "事项类别", "类别"},
    "name": {"事项名称", "抽查事项", "抽查事项名称"},
    "content": {"检查内容", "抽查内容"},
    "object_type": {"检查对象", "抽查对象"},
    "legal_basis": {"检查依据", "抽查依据"},
    "inspecting_body": {"检查主体", "抽查主体"},
    "methods": {"检查方式", "抽查方式"},
    "note": {"备注"},
}
_CATEGORY = {"重点": ItemCategory.KEY, "一般": ItemCategory.GENERAL}
_METHODS = {
    "实地核查": InspectionMethod.ON_SITE,
    "实地检查": InspectionMethod.ON_SITE,
    "现场检查": InspectionMethod.ON_SITE,
    "现场核查": InspectionMethod.ON_SITE,
    "书面检查": InspectionMethod.DOCUMENTARY,
    "书面核查": InspectionMethod.DOCUMENTARY,
    "书面审查": InspectionMethod.DOCUMENTARY,
    "网络监测": InspectionMethod.ONLINE,
    "网络核查": InspectionMethod.ONLINE,
    "网络检查": InspectionMethod.ONLINE,
}
_SPLIT = re.compile(r"[、，,；;/\s]+")
_DEPARTMENT_SPLIT = re.compile(r"[、，,；;\n]+")
_CITATION = re.compile(r"《(?P<law>[^》]+)》(?P<article>[^《]*)")


@dataclass
class ItemRow:
    row: int
    code: str
    number: str
    departments: list[str]
    category: str
    name: str
    content: str
    object_type: str
    inspecting_body: str
    methods: list[str]
    citations: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ParsedItems:
    rows: list[ItemRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0


def parse_citations(raw: str) -> list[tuple[str, str]]:
    """`《中华人民共和国食品安全法》第一百一十条；《...》` -> [(law, article)], in order, no duplicates."""
    found: list[tuple[str, str]] = []
    for match in _CITATION.finditer(raw):
        article = match["article"].strip(" ：:，,；;。、\n")
        found.append((limited(match["law"].strip(), 200, "法律法规名称"), limited(article, 100, "条款")))
    if not found and raw:
        found.append((limited(raw.strip("；;。 "), 200, "检查依据"), ""))
    return list(dict.fromkeys(found))


def _category(raw: str) -> str:
    for prefix, value in _CATEGORY.items():
        if raw.startswith(prefix):
            return str(value)
    raise Rejected(f"抽查类别“{raw}”无效，应为重点检查事项或一般检查事项")


def _methods(raw: str) -> list[str]:
    methods: list[str] = []
    for part in filter(None, _SPLIT.split(raw)):
        method = _METHODS.get(part)
        if method is None:
            raise Rejected(f"检查方式“{part}”无效，应为实地核查、书面检查或网络监测")
        methods.append(str(method))
    return list(dict.fromkeys(methods))


def _code(departments: list[str], name: str) -> str:
    digest = hashlib.sha256(f"{'、'.join(departments)}|{name}".encode()).hexdigest()[:12]
    return f"X{digest.upper()}"


def parse_items(path: Path) -> ParsedItems:
    rows = read_sheet(path)
    header, cols = find_header(rows, COLUMNS)
    missing = [HEADERS[c] for c in ("category", "name", "object_type") if c not in cols]
    if missing:
        raise Rejected(f"表头缺少列：{'、'.join(missing)}")
    parsed = ParsedItems()
    current: ItemRow | None = None  # the item the next continuation rows belong to (None if rejected)
    last: tuple[str, str] | None = None  # (序号, 事项名称) of the last item row, rejected or not
    seen: dict[str, int] = {}
    for index in range(header + 1, len(rows)):
        values, number = rows[index], index + 1
        if is_blank(values):
            continue
        name = text(cell(values, cols.get("name")))
        seq = text(cell(values, cols.get("number")))
        basis = str(cell(values, cols.get("legal_basis")) or "").strip()
        if last is not None and ((not name and not seq) or (name, seq) == (last[1], last[0])):
            # A legal basis continued on a row of its own (merged cells repeat 序号 and 事项名称).
            if current is not None:
                try:
                    for citation in parse_citations(basis):
                        if citation not in current.citations:
                            current.citations.append(citation)
                except Rejected as exc:
                    parsed.errors.append(RowError(number, str(exc)))
            continue
        last = (seq, name)
        parsed.total += 1
        try:
            if not name:
                raise Rejected("事项名称不能为空")
            departments = [
                d.strip() for d in _DEPARTMENT_SPLIT.split(text(cell(values, cols.get("departments")))) if d.strip()
            ]
            row = ItemRow(
                row=number,
                code=limited(text(cell(values, cols.get("code"))), 50, "事项编码") or _code(departments, name),
                number=seq,
                departments=departments,
                category=_category(text(cell(values, cols.get("category")))),
                name=limited(name, 300, "事项名称"),
                content=str(cell(values, cols.get("content")) or "").strip(),
                object_type=limited(text(cell(values, cols.get("object_type"))), 300, "检查对象"),
                inspecting_body=limited(text(cell(values, cols.get("inspecting_body"))), 200, "检查主体"),
                methods=_methods(text(cell(values, cols.get("methods")))),
                citations=parse_citations(basis),
            )
            if not row.object_type:
                raise Rejected("检查对象不能为空")
            first = seen.setdefault(row.code, number)
            if first != number:
                raise Rejected(f"事项{row.code}与第{first}行重复")
        except Rejected as exc:
            parsed.errors.append(RowError(number, str(exc)))
            current = None
            continue
        parsed.rows.append(row)
        current = row
    return parsed


def write_items(rows: list[ItemRow], *, actor: User | None) -> tuple[int, int, int]:
    """New items and changed items get a version; unchanged ones are left alone. In a transaction."""
    departments = department_lookup()
    created = updated = unchanged = 0
    now = timezone.now()
    for r in rows:
        bases = [LegalBasis.objects.get_or_create(law=law, article=article)[0] for law, article in r.citations]
        values = {
            "name": r.name,
            "category": r.category,
            "object_type": r.object_type,
            "inspecting_body": r.inspecting_body,
            "content": r.content,
            "methods": r.methods,
        }
        item, is_new = ChecklistItem.objects.get_or_create(code=r.code)
        # Lock the item: a concurrent import or edit would otherwise also create version n+1.
        ChecklistItem.objects.select_for_update().filter(pk=item.pk).first()
        current = item.versions.filter(superseded_at__isnull=True).prefetch_related("legal_bases").first()
        if current is not None:
            same = all(getattr(current, f) == v for f, v in values.items())
            if same and {b.pk for b in current.legal_bases.all()} == {b.pk for b in bases}:
                unchanged += 1
                _claim(item, r.departments, departments, actor)
                continue
            ChecklistItemVersion.objects.filter(pk=current.pk).update(superseded_at=now)
        last = item.versions.order_by("-version").values_list("version", flat=True).first() or 0
        version = ChecklistItemVersion.objects.create(item=item, version=last + 1, created_at=now, **values)
        version.legal_bases.set(bases)
        _claim(item, r.departments, departments, actor)
        if is_new or current is None:
            created += 1
        else:
            updated += 1
    return created, updated, unchanged


def _claim(item: ChecklistItem, names: list[str], departments: dict[str, Department], actor: User | None) -> None:
    for name in names:
        dept = departments.get(_key(name))
        if dept is not None:
            ItemClaim.objects.get_or_create(item=item, department=dept, defaults={"claimed_by": actor})
