"""Print the demo logins: username, role, department and password of each demo user."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from registries import demo
from registries.models import Role


def print_logins(out: OutputWrapper) -> None:
    rows = demo.logins()
    if not rows:
        out.write("没有演示账号：请先运行 manage.py load_demo")
        return
    out.write("演示账号（密码由本机 SECRET_KEY 派生，换一台机器即不同）：")
    header = ("用户名", "角色", "部门", "密码")
    for row in (header, *rows):
        out.write("  ".join(_pad(cell, width) for cell, width in zip(row, (12, 16, 30, 16), strict=True)).rstrip())
    second_factor = [str(Role(value).label) for value in settings.OTP_REQUIRED_ROLES]
    out.write(
        f"{'、'.join(second_factor)}须使用动态口令（TOTP）：首次登录后页面显示密钥和二维码，"
        "用手机验证器（如 FreeOTP、Google Authenticator）扫描或输入密钥，再输入6位口令即可。"
    )


def _pad(text: str, width: int) -> str:
    """Pad to a display width, counting a CJK character as two columns."""
    shown = sum(2 if ord(c) > 0x2E80 else 1 for c in text)
    return text + " " * max(1, width - shown)


class Command(BaseCommand):
    help = "打印演示账号（用户名、角色、部门、密码）。只在 DEBUG 下运行，除非给出 --force。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="在 DEBUG 关闭时仍然打印")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG 未开启：不打印演示账号。确需打印请加 --force。")
        print_logins(self.stdout)
