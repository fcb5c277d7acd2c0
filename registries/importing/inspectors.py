"""The inspector registry (执法检查人员名录库) file, upserted by certificate number.

Columns as declared in `registries.resources.InspectorResource` (姓名 | 执法证号 | 所属部门 |
所属区域 | 执法证有效期至 | 专业领域 | 状态), found and mapped by `registries.importing.headers`.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registries.importing.common import (
    Rejected,
    RowError,
    cell,
    is_blank,
    limited,
    parse_date,
    recover_number,
    split_tags,
    text,
)
from registries.importing.headers import Header, find_header, normalise_header
from registries.importing.workbook import read_sheet
from registries.models import Department, DepartmentAlias, Expertise, Inspector, InspectorStatus, Region
from registries.resources import NOT_STORED_PREFIX, InspectorResource, column_labels, header_spec

SPEC = header_spec(InspectorResource)
HEADERS = column_labels(InspectorResource)  # field -> Chinese label, in the template's order
HEADER_SCAN = 15
_STATUS_BY_LABEL = {str(label): value for value, label in InspectorStatus.choices}
_STATUS_WORDS = {
    **{normalise_header(label): value for label, value in _STATUS_BY_LABEL.items()},
    **{value: value for value in InspectorStatus.values},
    "在职": InspectorStatus.ACTIVE,
    "正常": InspectorStatus.ACTIVE,
    "有效": InspectorStatus.ACTIVE,
    "在编": InspectorStatus.ACTIVE,
    "调出": InspectorStatus.TRANSFERRED,
    "调离": InspectorStatus.TRANSFERRED,
    "离职": InspectorStatus.TRANSFERRED,
    "已调离": InspectorStatus.TRANSFERRED,
    "退休": InspectorStatus.RETIRED,
    "已退休": InspectorStatus.RETIRED,
}
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
    header: Header | None = None


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


def read_header(rows: list[list[object]], overrides: dict[str, str] | None = None) -> Header:
    return find_header(rows[:HEADER_SCAN], SPEC, overrides=overrides or {})


def parse_inspectors(
    path: Path, *, department: Department | None, overrides: dict[str, str] | None = None
) -> ParsedInspectors:
    rows = read_sheet(path)
    header = read_header(rows, overrides)
    parsed = ParsedInspectors(header=header)
    cols = {k: v for k, v in header.fields.items() if not k.startswith(NOT_STORED_PREFIX)}
    missing = [HEADERS[c] for c in ("name", "certificate_no", "certificate_valid_until") if c not in cols]
    if missing or (department is None and "department" not in cols):
        raise Rejected(_("表头缺少列：%(columns)s") % {"columns": "、".join(missing or [HEADERS["department"]])})
    if header.unknown:
        return parsed  # the caller refuses the file until each unknown column is mapped or ignored
    departments = department_lookup()
    regions = {key: pk for pk, code, name in Region.objects.values_list("pk", "code", "name") for key in (code, name)}
    seen: dict[str, int] = {}

    def value(values: list[object], name: str) -> str:
        return text(cell(values, cols.get(name)))

    for index in range(header.data_start, len(rows)):
        values, number = rows[index], index + 1
        if is_blank(values):
            continue
        parsed.total += 1
        column = ""
        try:
            column = HEADERS["name"]
            name = limited(value(values, "name"), 50, column)
            if not name:
                raise Rejected(_("姓名不能为空"))
            column = HEADERS["certificate_no"]
            raw_cert = cell(values, cols.get("certificate_no"))
            cert_text, lost = recover_number(raw_cert) if raw_cert not in ("", None) else ("", False)
            if lost:
                raise Rejected(_("执法证号被Excel存成了数字（科学计数法），末几位已丢失：请将该列设置为文本格式"))
            cert = "".join(cert_text.split()).upper()
            if not cert:
                raise Rejected(_("执法证号不能为空"))
            limited(cert, 40, column)
            first = seen.setdefault(cert, number)
            if first != number:
                raise Rejected(_("执法证号%(cert)s与第%(row)d行重复") % {"cert": cert, "row": first})
            column = HEADERS["department"]
            dept_name = value(values, "department")
            dept = departments.get(_key(dept_name)) if dept_name else department
            if dept is None:
                raise Rejected(_("所属部门“%(name)s”不存在") % {"name": dept_name})
            if department is not None and dept.pk != department.pk:
                raise Rejected(_("所属部门“%(name)s”不是本部门，只能导入本部门的执法检查人员") % {"name": dept.name})
            column = HEADERS["region"]
            region_name = value(values, "region")
            region_id = regions.get(region_name) if region_name else dept.region_id
            if region_id is None:
                raise Rejected(_("所属区域“%(name)s”不存在") % {"name": region_name})
            column = HEADERS["certificate_valid_until"]
            valid_until = parse_date(cell(values, cols.get("certificate_valid_until")), column)
            if valid_until is None:
                raise Rejected(_("执法证有效期至不能为空"))
            column = HEADERS["status"]
            raw_status = value(values, "status")
            status = _STATUS_WORDS.get(normalise_header(raw_status)) if raw_status else InspectorStatus.ACTIVE
            if not status:
                raise Rejected(
                    _("状态“%(value)s”无效，应为%(choices)s之一")
                    % {"value": raw_status, "choices": "、".join(_STATUS_BY_LABEL)}
                )
            column = HEADERS["expertise"]
            expertise = tuple(limited(e, 50, column) for e in split_tags(cell(values, cols.get("expertise"))))
        except Rejected as exc:
            index_of = {label: key for key, label in HEADERS.items()}
            raw = text(cell(values, cols.get(index_of.get(column, ""))))
            parsed.errors.append(RowError(number, str(exc), exc.column or column, exc.value or raw))
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
