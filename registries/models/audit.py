"""The audit trail: append-only rows, each chained to the previous one by HMAC-SHA256.

The key (settings.AUDIT_HMAC_KEY) is held by the application, never by the database: whoever
can write the tables but does not hold the key (a database superuser) cannot recompute a
changed row's hash. Rows written before the key existed are chained by plain SHA-256
(`keyed` false); the first keyed row seals them, as its keyed hash covers their head.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC
from typing import Any

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    """Who did what, when, from where, to which object, and whether it succeeded.

    `seq` is gap-free and `hash` covers every other field plus `prev_hash`, so a changed,
    inserted or deleted row breaks the chain at that row (`manage.py verify_audit`); deleting
    the newest rows or every row is caught against the signed checkpoints kept outside the
    database (registries/audit_checkpoints.py).
    """

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    # No database constraint and no cascade: the trail outlives accounts and objects.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    content_type = models.ForeignKey(
        ContentType,
        models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("对象类型"),
    )
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    success = models.BooleanField(_("成功"), default=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64, unique=True)
    # HMAC-SHA256 with AUDIT_HMAC_KEY; false only for rows written before the key existed.
    keyed = models.BooleanField(_("密钥签名"), default=False)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-seq"]
        # Nobody edits the trail, not even an administrator in the admin site.
        default_permissions = ("view",)
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            # Test databases are emptied by TRUNCATE between transactional tests: their
            # connections set ssj.allow_truncate (config/settings/test.py). The switch works
            # only for the table's owner (or a superuser): the application's role can set the
            # variable, but the role decides, and that role has no TRUNCATE privilege either
            # (`manage.py db_roles`).
            pgtrigger.Trigger(
                name="no_truncate",
                operation=pgtrigger.Truncate,
                level=pgtrigger.Statement,
                when=pgtrigger.Before,
                func=(
                    "IF coalesce(current_setting('ssj.allow_truncate', true), '') = 'on' "
                    "AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') "
                    "THEN RETURN NULL; END IF; "
                    "RAISE EXCEPTION 'pgtrigger: Cannot truncate % table', TG_TABLE_NAME;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def canonical(self) -> str:
        """The row as canonical JSON (sorted keys, UTC time): what the hash covers."""
        content_type = ""
        if self.content_type_id:
            ct = ContentType.objects.get_for_id(self.content_type_id)
            content_type = f"{ct.app_label}.{ct.model}"
        payload: dict[str, Any] = {
            "seq": self.seq,
            "created_at": self.created_at.astimezone(UTC).isoformat(),
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "ip": self.ip or "",
            "action": self.action,
            "content_type": content_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "success": self.success,
            "detail": self.detail,
        }
        return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def compute_hash(self) -> str:
        message = (self.prev_hash + self.canonical()).encode()
        if self.keyed:
            return hmac.new(audit_key(), message, hashlib.sha256).hexdigest()
        return hashlib.sha256(message).hexdigest()


def audit_key() -> bytes:
    """The chain's HMAC key (settings.AUDIT_HMAC_KEY): the database never holds it."""
    key = settings.AUDIT_HMAC_KEY
    if not key:
        raise ImproperlyConfigured("AUDIT_HMAC_KEY is not set")
    return str(key).encode()


class AuditAnchor(models.Model):
    """Where the verifiable chain starts after a purge: the last purged row's seq and hash."""

    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    purged_before = models.DateTimeField(_("清理截止时间"))
    last_seq = models.PositiveBigIntegerField(_("最后清理序号"), unique=True)
    last_hash = models.CharField(_("最后清理哈希"), max_length=64)
    purged_count = models.PositiveIntegerField(_("清理条数"))
    actor_username = models.CharField(_("操作人账号"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("审计锚点")
        verbose_name_plural = _("审计锚点")
        ordering = ["-last_seq"]
        default_permissions = ("view",)
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"#{self.last_seq}"
