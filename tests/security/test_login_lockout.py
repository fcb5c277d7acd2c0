"""Lockout after 5 failures for 30 minutes, idle sessions, logout, and the audit of each."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from registries.models import AuditEvent, User
from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.7") -> int:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip).status_code


def test_a_login_and_a_failed_login_are_audited(alice: User) -> None:
    client = Client()
    assert _login(client, "alice", "wrong-Pass1") == 200
    assert _login(client, "alice", PASSWORD) == 302

    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert (failed.actor_username, failed.success, failed.ip) == ("alice", False, "10.0.0.7")
    assert AuditEvent.objects.filter(action="auth.login", actor=alice, success=True).exists()


def test_five_failures_lock_the_account_for_thirty_minutes(alice: User) -> None:
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _login(client, "alice", "wrong-Pass1")
        lockout = AuditEvent.objects.get(action="auth.lockout")
        assert (lockout.actor_username, lockout.success, lockout.ip) == ("alice", False, "10.0.0.7")
        # The right password no longer helps; each refused attempt is audited too.
        assert _login(client, "alice", PASSWORD) == 429
        assert AuditEvent.objects.filter(action="auth.lockout").count() == 2

    # Thirty minutes from the last attempt: trying again while locked starts them again.
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert _login(client, "alice", PASSWORD) == 429
    with time_machine.travel(start + dt.timedelta(minutes=29 + 31), tick=False):
        assert _login(client, "alice", PASSWORD) == 302


def test_four_failures_do_not_lock(alice: User) -> None:
    client = Client()
    for _ in range(4):
        _login(client, "alice", "wrong-Pass1")
    assert _login(client, "alice", PASSWORD) == 302
    assert not AuditEvent.objects.filter(action="auth.lockout").exists()


def test_a_lockout_blocks_that_username_from_that_address_only(alice: User, bob: User) -> None:
    """Colleagues behind the bureau's one NAT address keep signing in while a guessed account is locked."""
    client = Client()
    for _ in range(5):
        _login(client, "alice", "wrong-Pass1", ip="10.9.9.9")
    assert _login(client, "alice", PASSWORD, ip="10.9.9.9") == 429
    assert _login(client, "bob", PASSWORD, ip="10.9.9.9") == 302
    assert _login(Client(), "alice", PASSWORD, ip="10.1.1.1") == 302


def test_failures_for_many_usernames_from_one_address_do_not_lock_the_address(alice: User, bob: User) -> None:
    client = Client()
    for i in range(5):
        _login(client, f"nobody{i}", "wrong-Pass1", ip="10.9.9.9")
    assert _login(client, "bob", PASSWORD, ip="10.9.9.9") == 302
    assert not AuditEvent.objects.filter(action="auth.lockout").exists()


def test_the_lock_is_per_username_and_address() -> None:
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_sessions_end_after_thirty_idle_minutes() -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_an_idle_session_is_gone_after_thirty_minutes(alice: User) -> None:
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _login(client, "alice", PASSWORD)
    with time_machine.travel(start + dt.timedelta(minutes=20), tick=False):
        assert client.get("/registries/targets/").status_code == 200  # activity renews it
    with time_machine.travel(start + dt.timedelta(minutes=51), tick=False):
        assert client.get("/registries/targets/").status_code == 302


def test_logout_flushes_the_session_and_is_audited(alice: User) -> None:
    client = Client()
    _login(client, "alice", PASSWORD)
    old_key = client.session.session_key

    client.post("/accounts/logout/")

    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=old_key).exists()
    assert client.get("/registries/targets/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", actor=alice).exists()
