"""Notifications: in the app, and by email through Django's mail settings."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from registries.models import Notification, NotificationLevel, User

logger = logging.getLogger(__name__)


def notify(
    *,
    users: Iterable[User],
    key: str,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    level: str = NotificationLevel.INFO,
) -> list[Notification]:
    """Tell each user once about the cause `key`; users told before are skipped. Returns the new ones.

    The email goes out after the caller's transaction commits, so a rolled-back check sends
    nothing; a mail server that is down leaves the in-app notification in place.
    """
    created: list[Notification] = []
    for user in users:
        if not user.is_active:
            continue
        try:
            # A savepoint per row: a concurrent check that notified first must not abort the caller.
            with transaction.atomic():
                note, new = Notification.objects.get_or_create(
                    user=user,
                    key=key,
                    defaults={"kind": kind, "title": title, "body": body, "url": url, "level": level},
                )
        except IntegrityError:
            continue
        if new:
            created.append(note)
            if user.email:
                transaction.on_commit(partial(_email, note.pk))
    return created


def _email(note_id: int) -> None:
    note = Notification.objects.select_related("user").get(pk=note_id)
    try:
        send_mail(f"[双随机监管平台] {note.title}", note.body or note.title, None, [note.user.email])
    except OSError:
        logger.exception("notification %s: email not sent", note_id)
        return
    Notification.objects.filter(pk=note_id).update(emailed_at=timezone.now())


def notification_mark_read(*, user: User, note_id: int | None = None) -> int:
    """Mark one (or, with no id, every) unread notification of the user as read."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if note_id is not None:
        unread = unread.filter(pk=note_id)
    return unread.update(read_at=timezone.now())
