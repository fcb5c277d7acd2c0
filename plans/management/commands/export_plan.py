"""manage.py export_plan ID --format json|xlsx [--output FILE]"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from plans.exporting import plan_to_dict, plan_to_xlsx
from plans.models import Plan


class Command(BaseCommand):
    help = "Export a plan as JSON (to stdout) or .xlsx (to --output, or stdout as bytes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("plan_id", type=int)
        parser.add_argument("--format", choices=["json", "xlsx"], default="json")
        parser.add_argument("--output", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        plan = Plan.objects.select_related("owner").filter(pk=options["plan_id"]).first()
        if plan is None:
            raise CommandError(_("没有 id 为 %(id)d 的计划") % {"id": options["plan_id"]})
        data = plan_to_dict(plan)
        if options["format"] == "json":
            text = json.dumps(data, ensure_ascii=False, indent=2)
            if options["output"]:
                options["output"].write_text(text + "\n", encoding="utf-8")
            else:
                self.stdout.write(text)
            return
        content = plan_to_xlsx(data)
        if options["output"]:
            options["output"].write_bytes(content)
            self.stdout.write(str(options["output"]))
        else:
            sys.stdout.buffer.write(content)
