"""Accounts: passwords, roles, idle accounts. Every change is audited in its own transaction."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from registries.audit import audit_record
from registries.models import User


@transaction.atomic
def user_password_change(*, user: User, new_password: str, request: HttpRequest | None = None) -> User:
    """The user sets a password of their own: the 90 days start again."""
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    audit_record(actor=user, action="auth.password_change", obj=user, request=request)
    return user


@transaction.atomic
def user_password_reset(*, actor: User, user: User, new_password: str, request: HttpRequest | None = None) -> User:
    """An administrator sets an initial password: the user must change it at next login."""
    user.set_password(new_password)
    user.password_changed_at = None
    user.save(update_fields=["password", "password_changed_at"])
    audit_record(actor=actor, action="user.password_reset", obj=user, request=request)
    return user


@transaction.atomic
def user_role_set(*, actor: User, user: User, role: str, request: HttpRequest | None = None) -> User:
    """One role per account: setting a role replaces the old one (never two admin roles)."""
    old = user.role
    user.role = role
    user.full_clean(exclude=["password"])
    user.save(update_fields=["role"])
    audit_record(actor=actor, action="user.role_change", obj=user, request=request, detail={"from": old, "to": role})
    return user


@transaction.atomic
def users_disable_inactive(*, days: int | None = None) -> list[str]:
    """Disable accounts with no login for `days` (ACCOUNT_INACTIVE_DAYS); returns their usernames."""
    days = settings.ACCOUNT_INACTIVE_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    idle = User.objects.filter(is_active=True).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)
    )
    # Lock the rows so a login in between is not undone by this job.
    users = list(idle.select_for_update())
    for user in users:
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(actor=None, action="user.disable_inactive", obj=user, detail={"days": days})
    return [u.username for u in users]
