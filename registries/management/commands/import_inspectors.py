from typing import Any

from registries.importing.cli import ImportCommand
from registries.importing.common import ImportResult
from registries.services.imports import inspectors_import


class Command(ImportCommand):
    help = "导入执法检查人员名录库（Excel），按执法证号新增或更新。"

    def run_import(self, **options: Any) -> ImportResult:
        return inspectors_import(
            path=options["file"],
            department=options.get("department"),
            dry_run=options["dry_run"],
            atomic=options["atomic"],
        )
