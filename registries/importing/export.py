"""Exports in the layout the imports read (export then import changes nothing).

The columns and their order come from the registry's resource (`registries.resources`). Every
text cell goes through `guard`: a value starting with = + - @ gets a leading apostrophe, so no
spreadsheet runs it as a formula (the import drops it again). Control characters a cell may
hold (stored before imports cleaned them, or typed in elsewhere) are removed: a workbook cannot
hold them, and one such value must not break a whole export.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from openpyxl import Workbook

from registries.importing import inspectors as inspector_import
from registries.importing import targets as target_import
from registries.importing.common import guard
from registries.importing.workbook import strip_controls
from registries.models import ChecklistItem, ChecklistItemVersion, Inspector, Region, Target


def _write(path: Path, title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31].replace("（", "").replace("）", ""))
    sheet.append([strip_controls(title)])
    sheet.append(list(headers))
    count = 0
    for row in rows:
        sheet.append([guard(v) for v in row])
        count += 1
    workbook.save(path)
    return count


def _region_names() -> dict[int, str]:
    """Region name where unique, else its code, so the import finds the same region."""
    regions = list(Region.objects.values_list("pk", "code", "name"))
    counts = Counter(name for _, _, name in regions)
    return {pk: name if counts[name] == 1 else code for pk, code, name in regions}


def export_targets(path: Path, queryset: QuerySet[Target], *, title: str = "") -> int:
    regions = _region_names()
    month = timezone.localdate().strftime("%Y年%m月")
    title = title or f"检查对象名录库（{month}）"
    targets = queryset.order_by("pk").prefetch_related("tags")

    def rows() -> Iterable[list[object]]:
        for t in targets.iterator(chunk_size=2000):
            values = {
                "credit_code": t.credit_code or "",
                "name": t.name,
                "kind": t.get_kind_display(),
                "region": regions.get(t.region_id, ""),
                "address": t.address,
                "industry": t.industry,
                "tags": "；".join(sorted(tag.name for tag in t.tags.all())),
                "status": t.get_status_display(),
                "established_on": t.established_on,
                "registration_number": t.registration_number or t.registration_no,
                "identifier": t.identifier or "",
                "legal_representative": t.legal_representative,
            }
            yield [values[name] for name in target_import.HEADERS]

    return _write(path, title, list(target_import.HEADERS.values()), rows())


def export_inspectors(path: Path, queryset: QuerySet[Inspector], *, title: str = "执法检查人员名录库") -> int:
    regions = _region_names()
    inspectors = queryset.order_by("pk").select_related("department").prefetch_related("expertise")

    def rows() -> Iterable[list[object]]:
        for i in inspectors.iterator(chunk_size=2000):
            values = {
                "name": i.name,
                "certificate_no": i.certificate_no,
                "department": i.department.name,
                "region": regions.get(i.region_id, ""),
                "certificate_valid_until": i.certificate_valid_until,
                "expertise": "；".join(sorted(e.name for e in i.expertise.all())),
                "status": i.get_status_display(),
            }
            yield [values[name] for name in inspector_import.HEADERS]

    return _write(path, title, list(inspector_import.HEADERS.values()), rows())


ITEM_HEADERS = (
    "事项编码",
    "序号",
    "部门",
    "抽查类别",
    "事项名称",
    "检查内容",
    "检查对象",
    "检查依据",
    "检查主体",
    "检查方式",
)


def export_items(path: Path, queryset: QuerySet[ChecklistItem], *, title: str = "随机抽查事项清单") -> int:
    current = ChecklistItemVersion.objects.filter(superseded_at__isnull=True).prefetch_related("legal_bases")
    items = queryset.order_by("code").prefetch_related(
        Prefetch("versions", queryset=current, to_attr="current"), "claims__department"
    )

    def rows() -> Iterable[list[object]]:
        for number, item in enumerate(items, start=1):
            if not item.current:
                continue
            v = item.current[0]
            yield [
                item.code,
                number,
                "、".join(sorted(c.department.name for c in item.claims.all())),
                v.get_category_display(),
                v.name,
                v.content,
                v.object_type,
                "\n".join(f"《{b.law}》{b.article}" for b in v.legal_bases.all()),
                v.inspecting_body,
                "、".join(v.method_labels()),
            ]

    return _write(path, title, ITEM_HEADERS, rows())
