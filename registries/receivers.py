"""Receivers that put logins, logouts, failed logins and lockouts into the audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from registries.audit import audit_record
from registries.models import User


@receiver(user_logged_in, dispatch_uid="audit_login")
def _audit_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit_record(actor=user, action="auth.login", request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _audit_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    audit_record(actor=user, action="auth.logout", request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))
    audit_record(actor=None, actor_username=username, action="auth.login_failed", request=request, success=False)


def _audit_lockout(
    sender: Any, request: HttpRequest | None, username: str | None, ip_address: str, **kwargs: Any
) -> None:
    audit_record(
        actor=None,
        actor_username=username or "",
        action="auth.lockout",
        request=request,
        success=False,
        detail={"ip": ip_address, "failures": settings.AXES_FAILURE_LIMIT},
    )


def _guard_trigger_ignore(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After every migrate: pgtrigger.ignore works only for the owner again (registries/db_roles.py)."""
    from registries.db_roles import install_guarded_ignore

    install_guarded_ignore(using)


def connect_signals(app_config: Any = None) -> None:
    from axes.signals import user_locked_out
    from django.db.models.signals import post_migrate

    user_locked_out.connect(_audit_lockout, dispatch_uid="audit_lockout")
    post_migrate.connect(_guard_trigger_ignore, sender=app_config, dispatch_uid="guard_trigger_ignore")
