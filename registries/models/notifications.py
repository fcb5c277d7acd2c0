"""Notifications: what the app tells a person (in the app, and by email when they have an address).

Each carries a key that names its cause (e.g. `result-due:visit-42`); a person gets a given
key once, so a daily check that finds the same cause again adds nothing.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registries.models.org import User


class NotificationLevel(models.TextChoices):
    INFO = "info", _("提示")
    WARNING = "warning", _("提醒")
    ALARM = "alarm", _("警报")


class Notification(models.Model):
    user = models.ForeignKey(User, models.CASCADE, related_name="notifications", verbose_name=_("接收人"))
    key = models.CharField(_("事由标识"), max_length=200)
    kind = models.CharField(_("类别"), max_length=50)
    level = models.CharField(
        _("级别"), max_length=16, choices=NotificationLevel.choices, default=NotificationLevel.INFO
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_cause")]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            # The daily checks ask which causes were told already, across users.
            models.Index(fields=["key"], name="notification_key"),
        ]

    def __str__(self) -> str:
        return self.title
