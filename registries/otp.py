"""The TOTP second factor (django-otp): enrolment, QR code, confirmation."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.http import HttpRequest
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
