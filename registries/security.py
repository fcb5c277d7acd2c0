"""Identity and session rules for MLPS level 3 (GB/T 22239-2019 身份鉴别, 访问控制).

Password validators, the middleware that forces a password change and a second factor,
`Cache-Control: no-store` for authenticated pages, the services that change passwords
and roles and disable idle accounts, and the receivers that put logins, logouts,
failed logins and lockouts into the audit trail.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from registries.access import needs_second_factor
from registries.audit import audit_record
from registries.models import ADMIN_ROLES, PasswordHistory, Role, User

# ---------------------------------------------------------------- password rules

CHARACTER_CLASSES: tuple[Callable[[str], bool], ...] = (
    str.islower,
    str.isupper,
    str.isdigit,
    lambda c: not c.isalnum(),
)


class CharacterClassValidator:
    """At least `min_classes` of: lower case, upper case, digits, other characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        used = sum(any(test(c) for c in password) for test in CHARACTER_CLASSES)
        if used < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、其他字符中的至少 %(n)d 类。"),
                code="password_too_simple",
                params={"n": self.min_classes},
            )

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字、其他字符中的至少 %(n)d 类。") % {"n": self.min_classes}


class NotUsernameValidator:
    """The password may not be the username, forwards or backwards, in any case."""

    def validate(self, password: str, user: Any = None) -> None:
        username = (getattr(user, "username", "") or "").casefold()
        if username and password.casefold() in (username, username[::-1]):
            raise ValidationError(_("密码不能与用户名相同。"), code="password_is_username")

    def get_help_text(self) -> str:
        return _("密码不能与用户名相同。")


class PasswordHistoryValidator:
    """None of the last `count` passwords again; records each new password's hash."""

    def __init__(self, count: int = 5) -> None:
        self.count = count

    def _recent_hashes(self, user: Any) -> list[str]:
        if user is None or user.pk is None:
            return []
        hashes = list(
            PasswordHistory.objects.filter(user=user)
            .order_by("-created_at", "-pk")
            .values_list("password", flat=True)[: self.count]
        )
        if user.password and user.password not in hashes:
            hashes.insert(0, user.password)
        return hashes[: self.count]

    def validate(self, password: str, user: Any = None) -> None:
        for encoded in self._recent_hashes(user):
            if check_password(password, encoded):
                raise ValidationError(
                    _("新密码不能与最近 %(n)d 次使用过的密码相同。"),
                    code="password_reused",
                    params={"n": self.count},
                )

    def password_changed(self, password: str, user: Any = None) -> None:
        """Called by Django whenever a user is saved with a new password."""
        if user is None or user.pk is None:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = PasswordHistory.objects.filter(user=user).order_by("-created_at", "-pk")[self.count :]
        PasswordHistory.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()

    def get_help_text(self) -> str:
        return _("新密码不能与最近 %(n)d 次使用过的密码相同。") % {"n": self.count}


# ---------------------------------------------------------------- services


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


# ---------------------------------------------------------------- second factor


def totp_device_for(user: User) -> TOTPDevice:
    """The user's unconfirmed TOTP device to enrol (a fresh secret each time enrolment starts)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The secret in base32, as authenticator apps ask for it when typed by hand."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no Pillow needed)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@transaction.atomic
def totp_confirm(*, device: TOTPDevice, token: str, request: HttpRequest | None = None) -> bool:
    """Confirm enrolment with a first valid token; audited either way."""
    ok = device.verify_token(token)
    if ok:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    audit_record(actor=device.user, action="auth.otp_enrol", request=request, success=ok)
    return ok


def demo_totp_enrol(user: User) -> str:
    """For `load_demo`: give a demo user a confirmed TOTP device; returns its base32 secret."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    return totp_secret(device)


# ---------------------------------------------------------------- middleware

# Pages a user who still owes a password change or a second factor may open.
SECURITY_URL_NAMES = ("login", "logout", "password_change", "otp_setup", "otp_verify", "set_language")
SECURITY_PATH_PREFIXES = ("/static/", "/i18n/", "/public/")


def _exempt(request: HttpRequest) -> bool:
    path = request.path_info
    if path.startswith(SECURITY_PATH_PREFIXES):
        return True
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name in SECURITY_URL_NAMES)


def _redirect(request: HttpRequest, url_name: str) -> HttpResponse:
    url = f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"
    if getattr(request, "htmx", False):
        from django_htmx.http import HttpResponseClientRedirect

        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


class _ViewMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)


class SecondFactorRequiredMiddleware(_ViewMiddleware):
    """Roles in OTP_REQUIRED_ROLES pass TOTP before any page (enrolling on first login)."""

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        user = request.user
        if not user.is_authenticated or _exempt(request):
            return None
        if not needs_second_factor(user) and not user_has_device(user):
            return None
        if user.is_verified():  # type: ignore[attr-defined]  # set by django_otp's OTPMiddleware
            return None
        return _redirect(request, "otp_verify" if user_has_device(user) else "otp_setup")


class PasswordChangeRequiredMiddleware(_ViewMiddleware):
    """An initial or expired password is changed before any other page."""

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        user = request.user
        if not user.is_authenticated or _exempt(request) or not user.password_change_due():
            return None
        return _redirect(request, "password_change")


class NoStoreMiddleware(_ViewMiddleware):
    """Pages shown to a signed-in user are never stored by the browser or a proxy."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


# ---------------------------------------------------------------- masking


def mask_id_number(value: str | None) -> str:
    """140522199001011234 -> 140522********1234."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """13912345678 -> 139****5678."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


# ---------------------------------------------------------------- audit receivers


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


def connect_signals() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_audit_lockout, dispatch_uid="audit_lockout")


__all__ = [
    "ADMIN_ROLES",
    "CharacterClassValidator",
    "NoStoreMiddleware",
    "NotUsernameValidator",
    "PasswordChangeRequiredMiddleware",
    "PasswordHistoryValidator",
    "Role",
    "SecondFactorRequiredMiddleware",
    "connect_signals",
    "demo_totp_enrol",
    "mask_id_number",
    "mask_phone",
    "totp_confirm",
    "totp_device_for",
    "totp_qr_svg",
    "totp_secret",
    "user_password_change",
    "user_password_reset",
    "user_role_set",
    "users_disable_inactive",
]
