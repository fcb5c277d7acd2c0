"""What the import_* and export_* management commands share."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registries.importing.common import ImportResult, Rejected
from registries.importing.headers import IGNORE, HeaderSpec, normalise_header
from registries.importing.workbook import WorkbookRefused
from registries.models import Department


def find_department(name: str) -> Department:
    from registries.importing.inspectors import _key, department_lookup

    department = department_lookup().get(_key(name))
    if department is None:
        raise CommandError(_("部门“%(name)s”不存在") % {"name": name})
    return department


def parse_column_options(spec: HeaderSpec, maps: list[str], ignores: list[str]) -> dict[str, str]:
    """`--map 'HEADER=列名'` and `--ignore 'HEADER'` as header overrides (normalised header -> field).

    The target of a --map is a column's Chinese label (as in the template) or its field name.
    """
    by_name: dict[str, str] = {}
    for name, column in spec.columns.items():
        if not name.startswith("~"):
            by_name[normalise_header(column.label)] = name
            by_name[normalise_header(name)] = name
    overrides: dict[str, str] = {}
    for option in maps:
        header, sep, target = option.rpartition("=")
        field = by_name.get(normalise_header(target))
        if not sep or not normalise_header(header) or field is None:
            labels = _("、").join(c.label for n, c in spec.columns.items() if not n.startswith("~"))
            raise CommandError(
                _("--map “%(option)s”无效：应写作“文件中的列名=本系统的列名”，本系统的列名为%(labels)s")
                % {"option": option, "labels": labels}
            )
        overrides[normalise_header(header)] = field
    for header in ignores:
        if not normalise_header(header):
            raise CommandError(_("--ignore “%(header)s”无效：应写文件中的列名") % {"header": header})
        overrides[normalise_header(header)] = IGNORE
    return overrides


class ImportCommand(BaseCommand):
    """`FILE [--dry-run] [--atomic]`: prints every rejected row as 第N行：reason, exits 1 if any.

    With a `spec`, also `--map 'HEADER=列名'` and `--ignore 'HEADER'` (repeatable): a column of
    the file that names nothing known makes the command fail unless mapped or ignored; the dry
    run prints what every column maps to.
    """

    needs_department = False
    spec: HeaderSpec | None = None

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--department", required=self.needs_department, help="导入部门（名称、简称或别名）")
        parser.add_argument("--dry-run", action="store_true", help="只预览，不写入")
        parser.add_argument("--atomic", action="store_true", help="有任何一行被拒绝则整个文件都不导入")
        if self.spec is not None:
            parser.add_argument(
                "--map", action="append", default=[], metavar="HEADER=列名", help="文件中的列对应本系统的哪一列"
            )
            parser.add_argument("--ignore", action="append", default=[], metavar="HEADER", help="不导入文件中的这一列")

    def run_import(self, **options: Any) -> ImportResult:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("department"):
            options["department"] = find_department(options["department"])
        if self.spec is not None:
            options["overrides"] = parse_column_options(self.spec, options["map"], options["ignore"])
        try:
            result = self.run_import(**options)
        except (WorkbookRefused, Rejected) as exc:
            raise CommandError(str(exc)) from exc
        if result.columns and (options["dry_run"] or result.unknown_columns):
            self.stdout.write(_("列的对应："))
            for column in result.columns:
                self.stdout.write(f"  {column['header']} → {column['maps_to']}")
        if result.unknown_columns:
            raise CommandError(
                _(
                    "未识别的列：%(columns)s。"
                    "请用 --map '列名=本系统的列名' 指定其对应，或用 --ignore '列名' 忽略；未做任何修改"
                )
                % {"columns": _("、").join(result.unknown_columns)}
            )
        for error in result.errors:
            self.stderr.write(str(error))
        for warning in result.warnings:
            self.stdout.write(_("提示：%(warning)s") % {"warning": warning})
        summary = _(
            "共%(total)d行：新增%(created)d，更新%(updated)d，未变%(unchanged)d，拒绝%(rejected)d，提示%(warned)d"
        ) % {
            "total": result.total,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejected": result.rejected,
            "warned": len(result.warnings),
        }
        self.stdout.write(summary + (_("（预览，未写入）") if options["dry_run"] else ""))
        if result.message:
            self.stdout.write(result.message)
        if result.errors:
            sys.exit(1)


class ExportCommand(BaseCommand):
    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--department", help="只导出该部门的数据")
