"""The TOTP second factor (django-otp): enrolment, QR code, confirmation."""

from __future__ import annotations

import base64
import io
import math

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from registries.audit import audit_record
from registries.models import User


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


def totp_throttled(device: TOTPDevice) -> str | None:
    """Why the device takes no code now, in the user's language, or None when it does. After a
    wrong code django-otp locks the device for 1, 2, 4… seconds: a right code typed within that
    time is refused too, and the user must be told to wait, not that the code is wrong."""
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (info or {}).get("locked_until")
    if locked_until is None:
        return _("验证失败次数过多，请稍后再试。")
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    return _("验证过于频繁：为防止猜测，上次输入错误后须等待 %(seconds)d 秒，请于 %(time)s 之后再输入验证码。") % {
        "seconds": seconds,
        "time": time_format(timezone.localtime(locked_until), "H:i:s"),
    }


def totp_check(device: TOTPDevice, token: str) -> str | None:
    """None when the token is accepted; otherwise why not: throttled (and for how long) or wrong."""
    throttled = totp_throttled(device)
    if throttled is not None:
        return throttled
    return None if device.verify_token(token) else _("验证码不正确。")


@transaction.atomic
def totp_confirm(*, device: TOTPDevice, token: str, request: HttpRequest | None = None) -> str | None:
    """Confirm enrolment with a first valid token; audited either way. None when confirmed,
    else the reason (throttled after a wrong code, or wrong)."""
    throttled = totp_throttled(device)
    ok = throttled is None and device.verify_token(token)
    if ok:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    audit_record(actor=device.user, action="auth.otp_enrol", request=request, success=ok)
    if ok:
        return None
    return throttled or _("验证码不正确，请核对手机时间后重试。")


def demo_totp_enrol(user: User) -> str:
    """For `load_demo`: give a demo user a confirmed TOTP device; returns its base32 secret."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    return totp_secret(device)
