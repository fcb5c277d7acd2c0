"""The inspector registry (执法检查人员名录库) workbook, upserted by certificate number.

Layout: 姓名 | 执法证号 | 所属部门 | 所属区域 | 执法证有效期至 | 专业领域 | 状态.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone

from registries.importing.common import Rejected, RowError, cell, is_blank, limited, parse_date, split_tags, text
from registries.importing.workbook import find_header, read_sheet
from registries.models import Department, DepartmentAlias, Expertise, Inspector, InspectorStatus, Region

HEADERS = {
    "name": "姓名",
    "certificate_no": "执法证号",
    "department": "所属部门",
    "region": "所属区域",
    "valid_until": "执法证有效期至",
    "expertise": "专业领域",
    "status": "状态",
}
COLUMNS: dict[str, set[str]] = {
    "name": {"姓名"},
    "certificate_no": {"执法证号", "执法证件号", "执法证编号", "证件号码"},
    "department": {"所属部门", "部门", "单位", "所在单位"},
    "region": {"所属区域", "区域", "行政区划"},
    "valid_until": {"执法证有效期至", "有效期至", "证件有效期"},
    "expertise": {"专业领域", "专业", "擅长领域"},
    "status": {"状态", "人员状态"},
}
_STATUS_BY_LABEL = {str(label): value for value, label in InspectorStatus.choices}
DATA_FIELDS = ("name", "department_id", "region_id", "certificate_valid_until", "status")


class InspectorRow(NamedTuple):
    row: int
    name: str
    certificate_no: str
    department_id: int
    region_id: int
    certificate_valid_until: dt.date
    status: str
    expertise: tuple[str, ...]


@dataclass
class ParsedInspectors:
    rows: list[InspectorRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0


def department_lookup() -> dict[str, Department]:
    """Department by full name, short name or alias, compared without spaces."""
    found: dict[str, Department] = {}
    for dept in Department.objects.select_related("region"):
        for key in (dept.name, dept.short_name):
            if key:
                found.setdefault(_key(key), dept)
    for alias in DepartmentAlias.objects.select_related("department__region"):
        found.setdefault(_key(alias.name), alias.department)
    return found


def _key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def parse_inspectors(path: Path, *, department: Department | None) -> ParsedInspectors:
    rows = read_sheet(path)
    header, cols = find_header(rows, COLUMNS)
    missing = [HEADERS[c] for c in ("name", "certificate_no", "valid_until") if c not in cols]
    if missing or (department is None and "department" not in cols):
        raise Rejected(f"表头缺少列：{'、'.join(missing or ['所属部门'])}")
    departments = department_lookup()
    regions = {key: pk for pk, code, name in Region.objects.values_list("pk", "code", "name") for key in (code, name)}
    parsed = ParsedInspectors()
    seen: dict[str, int] = {}
    for index in range(header + 1, len(rows)):
        values, number = rows[index], index + 1
        if is_blank(values):
            continue
        parsed.total += 1
        try:
            name = limited(text(cell(values, cols.get("name"))), 50, "姓名")
            if not name:
                raise Rejected("姓名不能为空")
            cert = "".join(text(cell(values, cols.get("certificate_no"))).split()).upper()
            if not cert:
                raise Rejected("执法证号不能为空")
            limited(cert, 40, "执法证号")
            first = seen.setdefault(cert, number)
            if first != number:
                raise Rejected(f"执法证号{cert}与第{first}行重复")
            dept_name = text(cell(values, cols.get("department")))
            dept = departments.get(_key(dept_name)) if dept_name else department
            if dept is None:
                raise Rejected(f"所属部门“{dept_name}”不存在")
            if department is not None and dept.pk != department.pk:
                raise Rejected(f"所属部门“{dept.name}”不是本部门，只能导入本部门的执法检查人员")
            region_name = text(cell(values, cols.get("region")))
            region_id = regions.get(region_name) if region_name else dept.region_id
            if region_id is None:
                raise Rejected(f"所属区域“{region_name}”不存在")
            valid_until = parse_date(cell(values, cols.get("valid_until")), "执法证有效期至")
            if valid_until is None:
                raise Rejected("执法证有效期至不能为空")
            raw_status = text(cell(values, cols.get("status")))
            status = _STATUS_BY_LABEL.get(raw_status, InspectorStatus.ACTIVE.value if not raw_status else "")
            if not status:
                raise Rejected(f"状态“{raw_status}”无效，应为{'、'.join(_STATUS_BY_LABEL)}之一")
            expertise = tuple(limited(e, 50, "专业领域") for e in split_tags(cell(values, cols.get("expertise"))))
        except Rejected as exc:
            parsed.errors.append(RowError(number, str(exc)))
            continue
        parsed.rows.append(InspectorRow(number, name, cert, dept.pk, region_id, valid_until, str(status), expertise))
    return parsed


def write_inspectors(rows: list[InspectorRow]) -> tuple[int, int, int]:
    """Upsert by certificate number; expertise compared as a set. Call inside a transaction."""
    existing = {
        i.certificate_no: i
        for i in Inspector.objects.filter(certificate_no__in=[r.certificate_no for r in rows]).prefetch_related(
            "expertise"
        )
    }
    Expertise.objects.bulk_create(
        [Expertise(name=n) for n in {n for r in rows for n in r.expertise}], ignore_conflicts=True
    )
    expertise_ids = dict(
        Expertise.objects.filter(Q(name__in={n for r in rows for n in r.expertise})).values_list("name", "pk")
    )
    created = updated = unchanged = 0
    now = timezone.now()
    for r in rows:
        values = {f: getattr(r, f) for f in DATA_FIELDS}
        inspector = existing.get(r.certificate_no)
        if inspector is None:
            inspector = Inspector.objects.create(certificate_no=r.certificate_no, updated_at=now, **values)
            inspector.expertise.set([expertise_ids[n] for n in r.expertise])
            created += 1
            continue
        differs = any(getattr(inspector, f) != v for f, v in values.items())
        tags_differ = {e.name for e in inspector.expertise.all()} != set(r.expertise)
        if differs:
            for f, v in values.items():
                setattr(inspector, f, v)
            inspector.updated_at = now
            inspector.save(update_fields=[*DATA_FIELDS, "updated_at"])
        if tags_differ:
            inspector.expertise.set([expertise_ids[n] for n in r.expertise])
        if differs or tags_differ:
            updated += 1
        else:
            unchanged += 1
    return created, updated, unchanged
