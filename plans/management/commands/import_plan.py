"""manage.py import_plan FILE --year YEAR --owner DEPARTMENT [--dry-run] [--create-departments]
[--map 'HEADER=field'] [--ignore 'HEADER']"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from credit_risk.tables import TableRefusedError
from plans.departments import place_of
from plans.importing import PLAN_COLUMNS
from plans.parsing import name_key
from plans.services import (
    PlanImportError,
    plan_column_mappings,
    plan_column_mappings_save,
    plan_import,
    plan_parse,
)
from registries.importing.columns import parse_assignments
from registries.importing.headers import Header, describe
from registries.models import Department, DepartmentAlias, Level


def find_department(name: str) -> Department:
    key = name_key(name)
    department = (
        Department.objects.filter(name=key).first()
        or Department.objects.filter(short_name=key).first()
        or Department.objects.filter(pk__in=DepartmentAlias.objects.filter(name=key).values("department_id")).first()
    )
    if department is None:
        raise CommandError(_("没有名为“%(name)s”的部门") % {"name": name})
    return department


class Command(BaseCommand):
    help = "Import an annual plan table (.xlsx or TSV). The last line printed is the new plan's id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--owner", required=True, help="the owner department's name, short name or alias")
        parser.add_argument("--dry-run", action="store_true", help="print the parsed tasks, write nothing")
        parser.add_argument("--create-departments", action="store_true", help="create departments not found")
        parser.add_argument(
            "--map", action="append", default=[], metavar="HEADER=FIELD", help="表头=字段：未识别的列对应到哪个字段"
        )
        parser.add_argument("--ignore", action="append", default=[], metavar="HEADER", help="忽略该列")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        owner = find_department(options["owner"])
        given, problems = parse_assignments(PLAN_COLUMNS, options["map"], options["ignore"])
        if problems:
            raise CommandError(_("；").join(problems))
        # what the owner mapped before, then what this command line says
        overrides = plan_column_mappings(owner) | given
        try:
            parsed = plan_parse(path=path, year=options["year"], owner=owner, overrides=overrides)
        except TableRefusedError as exc:
            raise CommandError(str(exc)) from exc
        if options["dry_run"]:
            self.stdout.write(parsed.title)
            for task in parsed.tasks:
                initiator = task.initiator[0].text if task.initiator else "-"
                cooperating = "、".join(r.text for r in task.cooperating) or "-"
                self.stdout.write(
                    f"{task.number}\t{task.name}\t{task.ratio_kind}:{task.ratio_percent or task.ratio_count or ''}"
                    f"\t{task.times_per_year or ''}次/年\t{task.start_month}-{task.end_month}月"
                    f"\t{initiator}\t{cooperating}\t{task.task_type}\t{'、'.join(task.modes)}"
                    f"\t{'信用风险分类' if task.uses_tiers else '-'}"
                )
        if options["dry_run"] or parsed.unknown_columns:
            for written, target in describe(Header((), 0, parsed.headers), PLAN_COLUMNS):
                self.stdout.write(_("列 %(written)s → %(target)s") % {"written": written, "target": target})
        for message in (*parsed.notes, *(w for t in parsed.tasks for w in t.warnings)):
            self.stderr.write(_("提示：%(warning)s") % {"warning": message})
        for message in parsed.all_errors:
            self.stderr.write(message)
        if parsed.unresolved:
            self.stderr.write(_("无法识别的部门：%(n)s") % {"n": _("、").join(parsed.unresolved)})
            for name in parsed.unresolved:
                place = place_of(name, owner)
                self.stderr.write(
                    _("  %(name)s：新建时为%(level)s，%(region)s")
                    % {"name": name, "level": Level(place.level).label, "region": place.region.name}
                )
        if parsed.all_errors:
            raise CommandError(_("%(n)d 处错误，未导入") % {"n": len(parsed.all_errors)})
        if parsed.unresolved and not options["create_departments"]:
            raise CommandError(_("有无法识别的部门，未导入（可加 --create-departments 自动创建）"))
        if options["dry_run"]:
            return
        try:
            plan = plan_import(
                path=path,
                year=options["year"],
                owner=owner,
                user=None,
                create_departments=options["create_departments"],
                overrides=overrides,
            )
        except PlanImportError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(_("未导入")) from exc
        if given:
            plan_column_mappings_save(owner=owner, overrides=given, user=None)
        self.stdout.write(str(plan.pk))
