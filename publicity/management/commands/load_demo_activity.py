"""Load a year of demo activity (plans, draws, visits, results, follow-ups) on top of load_demo."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registries.models import Department


class Command(BaseCommand):
    help = "载入演示年度的抽查活动（计划、抽取、检查、结果、后续处理）。只在 DEBUG 下运行；重复运行不会改动已有数据。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="在 DEBUG 关闭时仍然载入（切勿用于生产环境）")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG 未开启：演示数据不得进入生产环境。确需载入请加 --force。")
        try:
            import time_machine  # noqa: F401 (the demo travels in time: a development dependency)
        except ImportError as exc:
            raise CommandError("需要开发依赖 time-machine（pip install -e '.[dev]'，scripts/setup 已安装）") from exc
        from publicity import demo

        if not Department.objects.filter(name=demo.AMR).exists():
            raise CommandError("请先运行 manage.py load_demo")
        started = time.monotonic()
        stats = demo.load()
        if stats is None:
            self.stdout.write("演示年度活动已存在，未作改动")
            return
        self.stdout.write(f"演示年度活动：{stats.summary()}（用时 {time.monotonic() - started:.1f} 秒）")
