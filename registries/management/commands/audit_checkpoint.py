"""Take a signed checkpoint of the audit chain now (the daily beat task does the same)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from registries.audit_checkpoints import checkpoint_dir, checkpoint_take


class Command(BaseCommand):
    help = "Sign the audit chain's head and length, append it to AUDIT_CHECKPOINT_DIR and mail it to the auditors."

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = checkpoint_take()
        self.stdout.write(checkpoint.line())
        self.stdout.write(f"written to {checkpoint_dir()}")
