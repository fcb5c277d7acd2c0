from typing import Any

from registries.importing import inspectors as inspector_import
from registries.importing.cli import ImportCommand
from registries.importing.common import ImportResult
from registries.models import ImportKind
from registries.services.imports import inspectors_import, load_mappings, save_mappings


class Command(ImportCommand):
    help = (
        "导入执法检查人员名录库（.xlsx、.xls或CSV），按执法证号新增或更新。"
        "文件中未识别的列须用 --map 或 --ignore 说明。"
    )
    spec = inspector_import.SPEC

    def run_import(self, **options: Any) -> ImportResult:
        department = options.get("department")
        mappings = load_mappings(department, ImportKind.INSPECTORS)
        mappings.headers.update(options["overrides"])
        result = inspectors_import(
            path=options["file"],
            department=department,
            dry_run=options["dry_run"],
            atomic=options["atomic"],
            mappings=mappings,
        )
        if result.applied and department is not None and options["overrides"]:
            save_mappings(department=department, kind=ImportKind.INSPECTORS, actor=None, headers=options["overrides"])
        return result
