"""Separated administrator roles, no superuser in production, idle accounts, the audit page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from registries.audit import audit_record
from registries.checks import check_no_active_superuser
from registries.models import AuditEvent, Role, User
from registries.services.accounts import user_role_set
from tests.factories import UserFactory
from tests.security.conftest import verified_client

pytestmark = pytest.mark.django_db


def test_the_deploy_check_fails_while_a_superuser_is_active(db: None) -> None:
    assert check_no_active_superuser() == []
    root = User.objects.create_superuser("root", password="Root#2026xy", role=Role.SYSTEM_ADMIN)
    [error] = check_no_active_superuser()
    assert error.id == "registries.E001" and "root" in error.msg

    root.is_active = False
    root.save()
    assert check_no_active_superuser() == []


def test_the_superuser_check_runs_with_check_deploy(db: None) -> None:
    from django.core.checks import registry

    assert check_no_active_superuser in registry.registry.get_checks(include_deployment_checks=True)
    assert check_no_active_superuser not in registry.registry.get_checks(include_deployment_checks=False)


def test_an_account_holds_one_role_and_a_role_change_is_audited(simon: User, db: None) -> None:
    user = UserFactory(username="wang", role=Role.SECURITY_ADMIN, department=None)

    user_role_set(actor=simon, user=user, role=Role.AUDIT_ADMIN)

    user.refresh_from_db()
    assert user.role == Role.AUDIT_ADMIN  # the security role is gone, not added to
    event = AuditEvent.objects.get(action="user.role_change")
    assert event.detail == {"from": "secadmin", "to": "auditadmin"}
    with pytest.raises(ValidationError):
        user_role_set(actor=simon, user=user, role="sysadmin+auditadmin")


def test_idle_accounts_are_disabled(alice: User, bob: User) -> None:
    User.objects.filter(pk=alice.pk).update(last_login=timezone.now() - dt.timedelta(days=91))
    User.objects.filter(pk=bob.pk).update(last_login=timezone.now() - dt.timedelta(days=10))

    call_command("disable_inactive_users")

    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.is_active, bob.is_active) == (False, True)
    assert AuditEvent.objects.filter(action="user.disable_inactive", object_id=str(alice.pk)).exists()


def test_only_the_audit_administrator_reads_the_trail(alice: User, olivia: User, simon: User, audrey: User) -> None:
    for user in (alice, olivia):
        client = Client()
        client.force_login(user)
        assert client.get("/audit/").status_code == 403
    assert verified_client(simon).get("/audit/").status_code == 403
    assert verified_client(audrey).get("/audit/").status_code == 200


def test_the_trail_page_filters_and_pages(audrey: User, alice: User) -> None:
    for i in range(60):
        audit_record(actor=alice, action="target.import", detail={"n": i})
    audit_record(actor=None, actor_username="alice", action="auth.login_failed", success=False)
    client = verified_client(audrey)

    first = client.get("/audit/")
    assert len(first.context["page"].object_list) == 50
    failed = client.get("/audit/", {"success": "false"})
    assert [e.action for e in failed.context["page"]] == ["auth.login_failed"]
    imports = client.get("/audit/", {"action": "target.", "username": "alice", "page": 2})
    assert len(imports.context["page"].object_list) == 10
    assert "target.import" in imports.content.decode()


def test_nobody_may_change_the_trail_in_the_admin(db: None) -> None:
    codenames = set(Permission.objects.filter(content_type__model="auditevent").values_list("codename", flat=True))
    assert codenames == {"view_auditevent"}


def test_signed_in_pages_are_not_stored(alice: User) -> None:
    client = Client()
    client.force_login(alice)
    assert "no-store" in client.get("/registries/targets/")["Cache-Control"]


def test_every_response_carries_a_content_security_policy(db: None) -> None:
    policy = Client().get("/accounts/login/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
