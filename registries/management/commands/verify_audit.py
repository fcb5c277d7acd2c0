"""Walk the audit chain and hold it against the signed checkpoints; exit 1 naming where it breaks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registries.audit import audit_verify


class Command(BaseCommand):
    help = (
        "Verify the HMAC chain of the audit trail and compare it with the signed checkpoints kept outside "
        "the database (AUDIT_CHECKPOINT_DIR and --checkpoints files); names the first broken row or checkpoint."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--checkpoints",
            type=Path,
            nargs="*",
            default=[],
            help="more checkpoint files (JSON lines, e.g. the copies mailed to the auditors)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify(using=options["database"], extra_checkpoints=options["checkpoints"])
        since = f"；最后一个相符的检查点：{report.last_good_checkpoint}" if report.last_good_checkpoint else ""
        if not report.ok:
            raise CommandError(
                f"审计链在第 {report.broken_seq} 条记录处断裂：{report.reason}（此前 {report.checked} 条完好{since}）"
            )
        legacy = f"，其中 {report.legacy} 条为启用密钥前的记录" if report.legacy else ""
        self.stdout.write(f"审计链完好：共 {report.checked} 条记录{legacy}；与 {report.checkpoints} 个签名检查点相符")
