"""Disable accounts that have not logged in for ACCOUNT_INACTIVE_DAYS (run daily by beat)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from registries.services.accounts import users_disable_inactive


class Command(BaseCommand):
    help = "Disable accounts with no login for --days (default ACCOUNT_INACTIVE_DAYS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        names = users_disable_inactive(days=options["days"])
        self.stdout.write(f"已停用 {len(names)} 个账号" + (f"：{'、'.join(names)}" if names else ""))
