"""manage.py import_items FILE [--department D] [--create-departments] [--dry-run] [--atomic]
[--map 'HEADER=字段'] [--ignore 'HEADER'] [--alias '教育部门=阳城县教育局']"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from registries.importing.cli import ImportCommand, find_department
from registries.importing.columns import parse_assignments
from registries.importing.common import ImportResult
from registries.importing.items import ITEM_COLUMNS
from registries.models.imports import ImportKind, ImportMapping, MappingScope
from registries.services.checklist import checklist_import
from registries.services.imports import save_mappings


class Command(ImportCommand):
    help = "导入随机抽查事项清单（Excel 或 CSV）：内容有变化的事项生成新版本，所列部门认领事项。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--create-departments", action="store_true", help="新建无法识别的部门（按名称确定层级和区域）"
        )
        parser.add_argument("--map", action="append", default=[], metavar="表头=字段", help="未识别的列对应到哪个字段")
        parser.add_argument("--ignore", action="append", default=[], metavar="表头", help="忽略该列")
        parser.add_argument(
            "--alias",
            action="append",
            default=[],
            metavar="名称=部门",
            help="把清单中的部门名称或部门类别（如 教育部门）对应到本地部门，记住供以后导入使用",
        )

    def run_import(self, **options: Any) -> ImportResult:
        given, problems = parse_assignments(ITEM_COLUMNS, options["map"], options["ignore"])
        department = options.get("department")
        # what the department mapped before (saved per department), then this command line
        overrides = dict(
            ImportMapping.objects.filter(
                department=department, kind=ImportKind.ITEMS, scope=MappingScope.HEADER
            ).values_list("source", "target")
            if department is not None
            else []
        )
        overrides |= given
        aliases = {}
        for item in options["alias"]:
            name, sep, target = item.partition("=")
            if not sep or not name.strip() or not target.strip():
                problems.append(_("对应关系“%(item)s”应写作 名称=部门") % {"item": item})
                continue
            aliases[name.strip()] = find_department(target.strip())
        if problems:
            raise CommandError(_("；").join(problems))
        result = checklist_import(
            path=options["file"],
            department=department,
            dry_run=options["dry_run"],
            atomic=options["atomic"],
            create_departments=options["create_departments"],
            aliases=aliases,
            overrides=overrides,
            # the items land; a department no name resolves claims nothing and is reported
            refuse_unknown_departments=False,
        )
        if options["dry_run"] or result.unknown_columns:
            for line in result.headers:
                self.stdout.write(_("列 %(line)s") % {"line": line})
        if result.unknown_columns:
            raise CommandError(result.message)
        for warning in result.warnings:
            self.stderr.write(_("提示：%(warning)s") % {"warning": warning})
        for created in result.created_departments:
            self.stdout.write(_("新建部门：%(name)s") % {"name": created})
        if result.unknown_departments:
            self.stderr.write(
                _(
                    "无法识别的部门（其认领未导入）：%(names)s。"
                    "可用 --alias '名称=部门' 对应到已有部门（记住供以后导入），或加 --create-departments 新建"
                )
                % {"names": _("、").join(result.unknown_departments)}
            )
        if result.applied and given and department is not None:
            save_mappings(department=department, kind=ImportKind.ITEMS, actor=None, headers=given)
        return result
