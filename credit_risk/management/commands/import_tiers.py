"""manage.py import_tiers FILE --user USERNAME [--date YYYY-MM-DD] [--dry-run]: credit code + tier, all or nothing.

The import runs as the named account and under the same rule as the page: only an active staff
account, only rows for the targets its department maintains, audited as that account.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from credit_risk.services import tiers_import
from registries.models import User


class Command(BaseCommand):
    help = "Import market-regulation credit-risk classification results (统一社会信用代码 + 信用风险分类)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user", required=True, help="username of the department staff account the import is made as"
        )
        parser.add_argument("--date", type=dt.date.fromisoformat, help="assessment date (default: today)")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["file"].exists():
            raise CommandError(_("文件不存在：%(path)s") % {"path": options["file"]})
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(_("没有启用的账号“%(name)s”") % {"name": options["user"]})
        try:
            result = tiers_import(
                path=options["file"], user=user, assessed_on=options["date"], dry_run=options["dry_run"]
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        for message in result.errors:
            self.stderr.write(message)
        if result.errors_not_shown:
            self.stderr.write(_("另有 %(n)d 处错误未列出") % {"n": result.errors_not_shown})
        if not result.ok:
            raise CommandError(_("%(n)d 处错误，未导入") % {"n": result.error_count})
        self.stdout.write(_("%(rows)d 行，写入 %(n)d 条分类记录") % {"rows": result.rows, "n": result.written})
