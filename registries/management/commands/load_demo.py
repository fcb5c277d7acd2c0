"""Load the demo county (晋城市 / 阳城县): departments, registries, checklist, one user per role."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registries import demo
from registries.management.commands.demo_logins import print_logins


class Command(BaseCommand):
    help = "载入演示数据（晋城市阳城县）。只在 DEBUG 下运行，除非给出 --force；重复运行不会改动已有数据。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="在 DEBUG 关闭时仍然载入（切勿用于生产环境）")
        parser.add_argument("--targets", type=int, default=demo.DEFAULT_TARGETS, help="检查对象数量（默认 20000）")
        parser.add_argument("--no-logins", action="store_true", help="不打印演示账号")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG 未开启：演示数据和演示账号不得进入生产环境。确需载入请加 --force。")
        if options["targets"] < 100:
            raise CommandError("--targets 至少为 100")
        started = time.monotonic()
        stats = demo.load(targets=options["targets"])
        self.stdout.write(f"{stats.summary()}（用时 {time.monotonic() - started:.1f} 秒）")
        if not options["no_logins"]:
            print_logins(self.stdout)
