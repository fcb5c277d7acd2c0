"""Template helpers of the public site, the dashboard and the notification count in the nav."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key, []) if hasattr(mapping, "get") else []


UNREAD_CAP = 99


@register.simple_tag
def unread_notifications(user: Any) -> int:
    """Unread notifications, counted up to UNREAD_CAP + 1 (a LIMITed count, on every page)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    from registries.models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).order_by()[: UNREAD_CAP + 1].count()


@register.simple_tag
def todo_count(user: Any) -> int:
    """The signed-in user's to-dos (publicity.workbench.todo_count: at most two queries)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    from django.utils import timezone

    from publicity.workbench import todo_count as count

    return count(user, timezone.localdate())
