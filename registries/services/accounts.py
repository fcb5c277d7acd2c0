"""Accounts: creation, role and department, passwords, second factor, idle accounts.

The security administrator's pages (registries/views_security.py) call these; every change
is audited in the same transaction, with the fields before and after.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from registries.access import changes_role
from registries.audit import audit_record
from registries.models import Department, User

# What the audit trail records of an account before and after a change.
ACCOUNT_FIELDS = ("username", "full_name", "email", "role", "department", "is_active")


def account_snapshot(user: User) -> dict[str, Any]:
    department = user.department if user.department_id else None
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "role": user.role,
        "department": department.name if department else "",
        "is_active": user.is_active,
    }


@transaction.atomic
def account_create(
    *,
    actor: User,
    username: str,
    full_name: str,
    email: str,
    role: str,
    department: Department | None,
    password: str,
    request: HttpRequest | None = None,
) -> User:
    """A new account with an initial password, which its holder must change at the first login."""
    user = User(username=username, full_name=full_name, email=email, role=role, department=department)
    validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = None
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        obj=user,
        request=request,
        detail={"before": {}, "after": account_snapshot(user)},
    )
    return user


@transaction.atomic
def account_update(
    *,
    actor: User,
    user: User,
    full_name: str,
    email: str,
    role: str,
    department: Department | None,
    is_active: bool,
    request: HttpRequest | None = None,
) -> User:
    """Change an account's name, address, role, department or status; audited with before and after.

    The security administrator cannot change their own role or disable their own account
    (another security administrator must): no one locks the door behind themselves.
    """
    user = User.objects.select_for_update(of=("self",)).select_related("department").get(pk=user.pk)
    if user.pk == actor.pk and (changes_role(user, role) or not is_active):
        raise ValidationError(_("不能更改自己的角色或停用自己的账号，请由另一位安全管理员操作。"), code="own_account")
    before = account_snapshot(user)
    user.full_name, user.email, user.role, user.department, user.is_active = (
        full_name,
        email,
        role,
        department,
        is_active,
    )
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "email", "role", "department", "is_active"])
    after = account_snapshot(user)
    changed = [field for field in ACCOUNT_FIELDS if before[field] != after[field]]
    if changed:
        audit_record(
            actor=actor,
            action="user.update",
            obj=user,
            request=request,
            detail={"before": {f: before[f] for f in changed}, "after": {f: after[f] for f in changed}},
        )
    return user


@transaction.atomic
def user_otp_reset(*, actor: User, user: User, request: HttpRequest | None = None) -> int:
    """Remove the user's second factor: they enrol a new one at their next login. Returns devices removed."""
    devices = TOTPDevice.objects.filter(user=user)
    before = devices.filter(confirmed=True).count()
    removed, _detail = devices.delete()
    audit_record(
        actor=actor,
        action="user.otp_reset",
        obj=user,
        request=request,
        detail={"before": {"totp_devices": before}, "after": {"totp_devices": 0}},
    )
    return removed


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
    validate_password(new_password, user)
    must_change_before = user.password_change_due()
    user.set_password(new_password)
    user.password_changed_at = None
    user.save(update_fields=["password", "password_changed_at"])
    audit_record(
        actor=actor,
        action="user.password_reset",
        obj=user,
        request=request,
        detail={"before": {"must_change": must_change_before}, "after": {"must_change": True}},
    )
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
