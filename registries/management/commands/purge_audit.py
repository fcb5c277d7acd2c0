"""Delete audit rows older than a date, never younger than the retention period."""

from __future__ import annotations

import datetime as dt
import getpass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from registries.audit import AuditPurgeRefusedError, audit_purge


class Command(BaseCommand):
    help = "Purge audit rows created before --before DATE (at least 6 months ago); the chain stays verifiable."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", required=True, type=dt.date.fromisoformat, help="YYYY-MM-DD")
        # The application's role may not delete audit rows: purge as the owner when it is configured.
        parser.add_argument("--database", default="owner" if "owner" in settings.DATABASES else "default")

    def handle(self, *args: Any, **options: Any) -> None:
        before = timezone.make_aware(dt.datetime.combine(options["before"], dt.time.min))
        try:
            anchor = audit_purge(before=before, actor_username=f"cli:{getpass.getuser()}", using=options["database"])
        except AuditPurgeRefusedError as exc:
            raise CommandError(str(exc)) from exc
        if anchor is None:
            self.stdout.write("没有需要清理的记录")
        else:
            self.stdout.write(f"已清理 {anchor.purged_count} 条记录（至第 {anchor.last_seq} 条）")
