"""Create or update the application's database role and its grants (run as the owner, after migrate)."""

from __future__ import annotations

import os
from typing import Any

import environ
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registries.db_roles import RoleSetupError, app_role_grant


def _app_url_config() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "")
    return environ.Env.db_url_config(url) if url else {}


class Command(BaseCommand):
    help = (
        "Grant the application's role what it needs and nothing more: no ALTER, no TRUNCATE, no UPDATE or "
        "DELETE on results and the audit trail (registries/db_roles.py). Run as the owner of the tables."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--app-role",
            default=_app_url_config().get("USER", ""),
            help="the application's role (default: the user of DATABASE_URL)",
        )
        parser.add_argument(
            "--set-password",
            action="store_true",
            help="create the role, or set its password, with the password of DATABASE_URL",
        )
        parser.add_argument(
            "--database",
            default="owner" if "owner" in settings.DATABASES else "default",
            help="the connection of the owner of the tables (default: the alias 'owner' when configured)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["app_role"]
        if not role:
            raise CommandError("name the application's role: --app-role ROLE (or set DATABASE_URL)")
        password = _app_url_config().get("PASSWORD") or None if options["set_password"] else None
        try:
            statements = app_role_grant(role=role, using=options["database"], password=password)
        except RoleSetupError as exc:
            raise CommandError(str(exc)) from exc
        for statement in statements:
            self.stdout.write(statement.replace(str(password), "***") if password else statement)
        self.stdout.write(f"role {role}: granted")
