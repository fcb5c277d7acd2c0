"""What the import_* and export_* management commands share."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from registries.importing.common import ImportResult, Rejected
from registries.importing.workbook import WorkbookRefused
from registries.models import Department


def find_department(name: str) -> Department:
    from registries.importing.inspectors import _key, department_lookup

    department = department_lookup().get(_key(name))
    if department is None:
        raise CommandError(f"部门“{name}”不存在")
    return department


class ImportCommand(BaseCommand):
    """`FILE [--dry-run] [--atomic]`: prints every rejected row as 第N行：reason, exits 1 if any."""

    needs_department = False

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--department", required=self.needs_department, help="导入部门（名称、简称或别名）")
        parser.add_argument("--dry-run", action="store_true", help="只预览，不写入")
        parser.add_argument("--atomic", action="store_true", help="有任何一行被拒绝则整个文件都不导入")

    def run_import(self, **options: Any) -> ImportResult:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("department"):
            options["department"] = find_department(options["department"])
        try:
            result = self.run_import(**options)
        except (WorkbookRefused, Rejected) as exc:
            raise CommandError(str(exc)) from exc
        for error in result.errors:
            self.stderr.write(str(error))
        summary = (
            f"共{result.total}行：新增{result.created}，更新{result.updated}，"
            f"未变{result.unchanged}，拒绝{result.rejected}"
        )
        self.stdout.write(summary + ("（预览，未写入）" if options["dry_run"] else ""))
        if result.message:
            self.stdout.write(result.message)
        if result.errors:
            sys.exit(1)


class ExportCommand(BaseCommand):
    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--department", help="只导出该部门的数据")
