"""TOTP: mandatory for the administrator roles and the leading-group office, optional for others."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from registries.models import AuditEvent, User
from registries.otp import demo_totp_enrol
from tests.security.conftest import token_now, verified_client

pytestmark = pytest.mark.django_db


def test_production_requires_totp_of_the_admin_roles_and_the_office() -> None:
    from config.settings import base

    assert set(base.OTP_REQUIRED_ROLES) == {"sysadmin", "secadmin", "auditadmin", "office"}


def test_an_admin_without_a_device_is_sent_to_enrol(audrey: User) -> None:
    client = Client()
    client.force_login(audrey)

    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/setup/")


def test_an_admin_with_a_device_is_sent_to_verify(audrey: User) -> None:
    TOTPDevice.objects.create(user=audrey, name="TOTP", confirmed=True)
    client = Client()
    client.force_login(audrey)

    response = client.get("/")
    assert response["Location"].startswith("/accounts/otp/verify/")


def test_the_office_needs_a_second_factor_in_production(olivia: User, production_otp_roles: tuple[str, ...]) -> None:
    client = Client()
    client.force_login(olivia)

    assert client.get("/registries/targets/")["Location"].startswith("/accounts/otp/setup/")


def test_staff_need_no_second_factor(alice: User, production_otp_roles: tuple[str, ...]) -> None:
    client = Client()
    client.force_login(alice)

    assert client.get("/registries/targets/").status_code == 200


def test_staff_who_enrolled_must_use_it(alice: User) -> None:
    TOTPDevice.objects.create(user=alice, name="TOTP", confirmed=True)
    client = Client()
    client.force_login(alice)

    assert client.get("/registries/targets/")["Location"].startswith("/accounts/otp/verify/")


def test_enrolment_shows_the_secret_and_a_qr_code_and_a_valid_token_confirms_it(audrey: User) -> None:
    client = Client()
    client.force_login(audrey)

    page = client.get("/accounts/otp/setup/?next=/audit/")
    html = page.content.decode()
    assert "<svg" in html
    device = TOTPDevice.objects.get(user=audrey, confirmed=False)
    assert page.context["secret"] in html

    wrong = client.post("/accounts/otp/setup/", {"token": "000000" if token_now(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()

    # A failure throttles the device for a second (django-otp), then the right token confirms it.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        response = client.post("/accounts/otp/setup/", {"token": token_now(device), "next": "/audit/"})
        assert response.status_code == 302 and response["Location"] == "/audit/"
        assert client.get("/audit/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert list(
        AuditEvent.objects.filter(action="auth.otp_enrol").order_by("seq").values_list("success", flat=True)
    ) == [
        False,
        True,
    ]


def test_an_enrolled_admin_cannot_enrol_a_new_device_without_the_old_one(audrey: User) -> None:
    TOTPDevice.objects.create(user=audrey, name="TOTP", confirmed=True)
    client = Client()
    client.force_login(audrey)

    assert client.get("/accounts/otp/setup/")["Location"] == "/accounts/otp/verify/"


def test_verification_with_a_valid_token_opens_the_pages(audrey: User) -> None:
    secret = demo_totp_enrol(audrey)
    device = TOTPDevice.objects.get(user=audrey)
    assert len(secret) == 32
    client = Client()
    client.force_login(audrey)

    assert client.post("/accounts/otp/verify/", {"token": "12345"}).status_code == 200  # not 6 digits
    response = client.post("/accounts/otp/verify/", {"token": token_now(device), "next": "/audit/"})
    assert response["Location"] == "/audit/"
    assert client.get("/audit/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.otp_verify", success=True, actor=audrey).exists()


def test_a_verified_admin_reaches_the_admin_pages(audrey: User) -> None:
    assert verified_client(audrey).get("/audit/").status_code == 200


def _wrong(device: TOTPDevice) -> str:
    return "000000" if token_now(device) != "000000" else "111111"


@pytest.mark.parametrize("path", ["/accounts/otp/verify/", "/accounts/otp/setup/"])
def test_a_right_code_right_after_a_wrong_one_is_throttled_not_wrong(audrey: User, path: str) -> None:
    """django-otp locks the device for a second after a failure (two after the second…): the user
    is told to wait, and for how long, not that the right code is wrong."""
    if path.endswith("verify/"):
        demo_totp_enrol(audrey)
        device = TOTPDevice.objects.get(user=audrey, confirmed=True)
    client = Client()
    client.force_login(audrey)
    if path.endswith("setup/"):
        client.get(path)
        device = TOTPDevice.objects.get(user=audrey, confirmed=False)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        wrong = client.post(path, {"token": _wrong(device)}).content.decode()
        assert "验证码不正确" in wrong
        right = client.post(path, {"token": token_now(device)})
        body = right.content.decode()
        assert right.status_code == 200
        assert "验证码不正确" not in body
        assert "验证过于频繁" in body and "须等待 1 秒" in body
    with time_machine.travel(now + dt.timedelta(seconds=2), tick=False):
        assert client.post(path, {"token": token_now(device), "next": "/audit/"})["Location"] == "/audit/"


def test_the_throttle_message_is_translated(audrey: User) -> None:
    from django.utils import translation

    from registries.otp import totp_throttled

    demo_totp_enrol(audrey)
    device = TOTPDevice.objects.get(user=audrey)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        assert not device.verify_token(_wrong(device))
        device.refresh_from_db()
        with translation.override("en"):
            message = totp_throttled(device)
    assert message is not None and "1 second" in message and "验证" not in message
