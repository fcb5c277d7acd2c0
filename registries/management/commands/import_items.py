from typing import Any

from registries.importing.cli import ImportCommand
from registries.importing.common import ImportResult
from registries.services.imports import items_import


class Command(ImportCommand):
    help = "导入随机抽查事项清单（Excel）：内容有变化的事项生成新版本。"

    def run_import(self, **options: Any) -> ImportResult:
        return items_import(
            path=options["file"],
            department=options.get("department"),
            dry_run=options["dry_run"],
            atomic=options["atomic"],
        )
