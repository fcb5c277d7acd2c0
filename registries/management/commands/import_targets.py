from typing import Any

from registries.importing import targets as target_import
from registries.importing.cli import ImportCommand
from registries.importing.common import ImportResult
from registries.models import ImportKind
from registries.services.imports import load_mappings, save_mappings, targets_import


class Command(ImportCommand):
    help = (
        "导入检查对象名录库（.xlsx、.xls或CSV），按统一社会信用代码（或注册号、对象编号）新增或更新。"
        "文件中未识别的列须用 --map 或 --ignore 说明；导入后本部门下次自动按同样的对应处理。"
    )
    needs_department = True
    spec = target_import.SPEC

    def run_import(self, **options: Any) -> ImportResult:
        department = options["department"]
        mappings = load_mappings(department, ImportKind.TARGETS)
        mappings.headers.update(options["overrides"])
        result = targets_import(
            path=options["file"],
            department=department,
            dry_run=options["dry_run"],
            atomic=options["atomic"],
            mappings=mappings,
        )
        if result.applied and options["overrides"]:
            save_mappings(department=department, kind=ImportKind.TARGETS, actor=None, headers=options["overrides"])
        return result
