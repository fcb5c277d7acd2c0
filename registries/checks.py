"""System checks for deployment: no active superuser, no development secrets."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError

DEV_SALT = "dev-only-field-encryption-salt"
DEV_AUDIT_KEY = "dev-only-audit-hmac-key-not-secret"


@register(Tags.security, deploy=True)
def check_no_active_superuser(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Level 3 separates the three administrator roles: an all-powerful account defeats that."""
    from registries.models import User

    try:
        names = list(User.objects.filter(is_superuser=True, is_active=True).values_list("username", flat=True)[:5])
    except DatabaseError:  # no database yet (first deployment): nothing to check
        return []
    if not names:
        return []
    return [
        Error(
            f"存在启用的超级用户：{'、'.join(names)}",
            hint="停用超级用户，改用系统管理员、安全管理员、审计管理员三个分离的角色。",
            id="registries.E001",
        )
    ]


@register(Tags.security, deploy=True)
def check_field_encryption_salt(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    salts = settings.SALT_KEY if isinstance(settings.SALT_KEY, list) else [settings.SALT_KEY]
    if any(not s or s == DEV_SALT for s in salts):
        return [
            Error(
                "字段加密盐使用了开发环境的默认值",
                hint="在环境变量 FIELD_ENCRYPTION_SALT 中设置随机值，并与数据库分开保管。",
                id="registries.E002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_audit_hmac_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The audit chain's key must be a secret of this deployment (the database never holds it)."""
    key = str(settings.AUDIT_HMAC_KEY or "")
    if key == DEV_AUDIT_KEY or len(key) < 32:
        return [
            Error(
                "审计日志密钥（AUDIT_HMAC_KEY）使用了开发环境的默认值或过短",
                hint="在环境变量 AUDIT_HMAC_KEY 中设置至少 32 个字符的随机值，与数据库及其备份分开保管。",
                id="registries.E003",
            )
        ]
    return []
