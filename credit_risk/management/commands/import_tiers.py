"""manage.py import_tiers FILE [--date YYYY-MM-DD] [--dry-run]: credit code + tier, all or nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credit_risk.services import tiers_import


class Command(BaseCommand):
    help = "Import market-regulation credit-risk classification results (统一社会信用代码 + 信用风险分类)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--date", type=dt.date.fromisoformat, help="assessment date (default: today)")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["file"].exists():
            raise CommandError(f"文件不存在：{options['file']}")
        result = tiers_import(path=options["file"], user=None, assessed_on=options["date"], dry_run=options["dry_run"])
        for message in result.errors:
            self.stderr.write(message)
        if not result.ok:
            raise CommandError(f"{len(result.errors)} 处错误，未导入")
        self.stdout.write(f"{result.rows} 行，写入 {result.written} 条分类记录")
