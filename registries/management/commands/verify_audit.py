"""Walk the audit chain; exit 1 naming the first broken row."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registries.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the SHA-256 chain of the audit trail; names the first broken row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify(using=options["database"])
        if not report.ok:
            raise CommandError(
                f"审计链在第 {report.broken_seq} 条记录处断裂：{report.reason}（此前 {report.checked} 条完好）"
            )
        self.stdout.write(f"审计链完好：共 {report.checked} 条记录")
