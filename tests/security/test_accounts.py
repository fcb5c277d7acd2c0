"""The security administrator's accounts page, and a password change that needs the second factor."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from registries.models import AuditEvent, Department, Role, User
from tests.factories import UserFactory
from tests.security.conftest import PASSWORD, token_now, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheng(db: None) -> User:
    """The security administrator."""
    return UserFactory(username="sheng", full_name="周涛", role=Role.SECURITY_ADMIN, department=None)


@pytest.fixture
def sec(sheng: User) -> Client:
    return verified_client(sheng)


def _create(client: Client, **overrides: object) -> object:
    data = {
        "username": "zhangwei",
        "full_name": "张伟",
        "email": "zhangwei@yangcheng.gov.cn",
        "role": Role.INSPECTOR,
        "department": "",
        "password1": "Chushi#2026a",
        "password2": "Chushi#2026a",
        **overrides,
    }
    return client.post(reverse("account_create"), data)


def test_it_creates_an_account_whose_password_must_be_changed_and_audits_it(sec: Client, amr: Department) -> None:
    response = _create(sec, department=amr.pk)

    user = User.objects.get(username="zhangwei")
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert (user.full_name, user.role, user.department, user.is_active) == ("张伟", Role.INSPECTOR, amr, True)
    assert user.check_password("Chushi#2026a") and user.password_change_due()
    event = AuditEvent.objects.get(action="user.create")
    assert event.actor_username == "sheng" and event.object_id == str(user.pk)
    assert event.detail["before"] == {}
    assert event.detail["after"]["department"] == "阳城县市场监督管理局"
    assert event.detail["after"]["role"] == "inspector"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "须属于一个部门"),  # an inspector without a department
        ({"password1": "abc", "password2": "abc"}, "密码"),
        ({"password2": "Chushi#2026b"}, "不一致"),
        ({"username": "sheng"}, "已存在"),
    ],
)
def test_it_refuses_a_bad_account_and_changes_nothing(sec: Client, overrides: dict[str, object], message: str) -> None:
    before = User.objects.count()
    response = _create(sec, **overrides)

    assert response.status_code == 200  # type: ignore[attr-defined]
    assert message in response.content.decode()  # type: ignore[attr-defined]
    assert User.objects.count() == before
    assert not AuditEvent.objects.filter(action="user.create").exists()


def test_it_changes_role_department_and_status_with_before_and_after(sec: Client, alice: User, amr: Department) -> None:
    other = Department.objects.create(name="阳城县教育局", short_name="县教育局", region=amr.region)
    response = sec.post(
        reverse("account_edit", args=[alice.pk]),
        {"full_name": "王丽", "email": "", "role": Role.LEADER, "department": other.pk, "is_active": ""},
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.role, alice.department, alice.is_active) == (Role.LEADER, other, False)
    event = AuditEvent.objects.get(action="user.update")
    assert event.detail == {
        "before": {"role": "staff", "department": "阳城县市场监督管理局", "is_active": True},
        "after": {"role": "leader", "department": "阳城县教育局", "is_active": False},
    }


def test_it_does_not_let_the_security_administrator_demote_themselves(sec: Client, sheng: User) -> None:
    response = sec.post(
        reverse("account_edit", args=[sheng.pk]),
        {"full_name": "周涛", "email": "", "role": Role.STAFF, "department": "", "is_active": "on"},
    )
    assert response.status_code == 200
    sheng.refresh_from_db()
    assert sheng.role == Role.SECURITY_ADMIN
    assert not AuditEvent.objects.filter(action="user.update").exists()


def test_it_resets_a_password_forcing_a_change(sec: Client, alice: User) -> None:
    response = sec.post(
        reverse("account_password_reset", args=[alice.pk]),
        {"new_password1": "Chongzhi#2026", "new_password2": "Chongzhi#2026"},
    )

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("Chongzhi#2026") and alice.password_change_due()
    event = AuditEvent.objects.get(action="user.password_reset")
    assert event.detail == {"before": {"must_change": False}, "after": {"must_change": True}}


def test_it_resets_the_second_factor(sec: Client, audrey: User) -> None:
    TOTPDevice.objects.create(user=audrey, name="TOTP", confirmed=True)

    response = sec.post(reverse("account_otp_reset", args=[audrey.pk]), {"confirm": "on"})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=audrey).exists()
    event = AuditEvent.objects.get(action="user.otp_reset")
    assert event.detail == {"before": {"totp_devices": 1}, "after": {"totp_devices": 0}}


def test_it_lists_and_filters_accounts(sec: Client, alice: User, audrey: User) -> None:
    page = sec.get(reverse("account_list"), {"role": Role.AUDIT_ADMIN}).content.decode()
    assert "audrey" in page and "alice" not in page


@pytest.mark.parametrize("role", [Role.STAFF, Role.OFFICE, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN])
def test_no_other_role_may_manage_accounts(role: str, alice: User, amr: Department) -> None:
    user = UserFactory(username=f"u-{role}", role=role, department=amr if role == Role.STAFF else None)
    client = verified_client(user)

    assert client.get(reverse("account_list")).status_code == 403
    assert client.post(reverse("account_password_reset", args=[alice.pk]), {}).status_code == 403
    response = client.post(
        reverse("account_edit", args=[alice.pk]),
        {"full_name": "王丽", "email": "", "role": Role.SECURITY_ADMIN, "department": "", "is_active": "on"},
    )
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.role == Role.STAFF


# ---------------------------------------------------------------- password change needs the second factor


def _change(client: Client, **extra: str) -> object:
    data = {"old_password": PASSWORD, "new_password1": "Xin-mima2026", "new_password2": "Xin-mima2026", **extra}
    return client.post(reverse("password_change"), data)


def test_a_user_with_a_device_cannot_change_the_password_with_the_password_alone(audrey: User) -> None:
    client = verified_client(audrey)

    response = _change(client)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "请输入动态验证码" in response.content.decode()  # type: ignore[attr-defined]
    assert _change(client, otp_token="000000").status_code == 200  # type: ignore[attr-defined]
    audrey.refresh_from_db()
    assert audrey.check_password(PASSWORD)

    device = TOTPDevice.objects.get(user=audrey)
    device.throttle_reset()  # the wrong code made django-otp wait a second before the next try
    assert _change(client, otp_token=token_now(device)).status_code == 302  # type: ignore[attr-defined]
    audrey.refresh_from_db()
    assert audrey.check_password("Xin-mima2026")


def test_a_user_without_a_device_changes_the_password_with_it_alone(alice: User) -> None:
    client = Client()
    client.force_login(alice)
    assert _change(client).status_code == 302  # type: ignore[attr-defined]
