from typing import Any

from django.utils.translation import gettext as _

from registries.importing.cli import ExportCommand, find_department
from registries.importing.export import export_targets
from registries.models import Target
from registries.services.imports import registry_export


class Command(ExportCommand):
    help = "导出检查对象（与导入相同的格式）。"

    def handle(self, *args: Any, **options: Any) -> None:
        queryset = Target.objects.all()
        if options.get("department"):
            department = find_department(options["department"])
            queryset = queryset.filter(department=department)
        count = registry_export(
            actor=None, kind="targets", queryset=queryset, path=options["file"], writer=export_targets
        )
        self.stdout.write(_("已导出%(n)d行到%(file)s") % {"n": count, "file": options["file"]})
