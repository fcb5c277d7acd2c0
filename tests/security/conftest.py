"""Users of the administrator roles, a verified second factor, and the production TOTP roles."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from registries.models import Role, User
from tests.factories import UserFactory

PASSWORD = "Pa55word!x"  # tests.factories.UserFactory's password


@pytest.fixture(autouse=True)
def checkpoint_store(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Each test keeps its audit checkpoints in a folder of its own (the store outside the database)."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"
    return settings.AUDIT_CHECKPOINT_DIR


@pytest.fixture
def audrey(db: None) -> User:
    """The audit administrator."""
    return UserFactory(username="audrey", full_name="孙审计", role=Role.AUDIT_ADMIN, department=None)


@pytest.fixture
def simon(db: None) -> User:
    """The system administrator."""
    return UserFactory(username="simon", full_name="周系统", role=Role.SYSTEM_ADMIN, department=None)


@pytest.fixture
def production_otp_roles(settings) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    """The roles base.py requires a second factor of (test settings leave out the office)."""
    from config.settings import base

    settings.OTP_REQUIRED_ROLES = base.OTP_REQUIRED_ROLES
    return base.OTP_REQUIRED_ROLES


def token_now(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def verified_client(user: User) -> Client:
    """A client signed in with password and a confirmed TOTP device."""
    device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
