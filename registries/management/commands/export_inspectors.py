from typing import Any

from django.utils.translation import gettext as _

from registries.importing.cli import ExportCommand, find_department
from registries.importing.export import export_inspectors
from registries.models import Inspector
from registries.services.imports import registry_export


class Command(ExportCommand):
    help = "导出执法检查人员（与导入相同的格式）。"

    def handle(self, *args: Any, **options: Any) -> None:
        queryset = Inspector.objects.all()
        if options.get("department"):
            department = find_department(options["department"])
            queryset = queryset.filter(department=department)
        count = registry_export(
            actor=None, kind="inspectors", queryset=queryset, path=options["file"], writer=export_inspectors
        )
        self.stdout.write(_("已导出%(n)d行到%(file)s") % {"n": count, "file": options["file"]})
