from typing import Any

from registries.importing.cli import ImportCommand
from registries.importing.common import ImportResult
from registries.services.imports import targets_import


class Command(ImportCommand):
    help = "导入检查对象名录库（Excel），按统一社会信用代码新增或更新。"
    needs_department = True

    def run_import(self, **options: Any) -> ImportResult:
        return targets_import(
            path=options["file"], department=options["department"], dry_run=options["dry_run"], atomic=options["atomic"]
        )
