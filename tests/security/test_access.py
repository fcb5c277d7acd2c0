"""Separated administrator roles, no superuser in production, idle accounts, the audit page, and the
one permission mechanism: named rules, department scoping, no role compared elsewhere."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from registries.access import scoped
from registries.audit import audit_record
from registries.checks import check_no_active_superuser
from registries.models import AuditEvent, Role, Target, User
from registries.services.accounts import user_role_set
from tests.factories import TargetFactory, UserFactory
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


# --- the one permission mechanism (registries/access.py) -------------------------------------------

ROLE_CHECK = re.compile(r"role ==|role !=|role in |\.role ==")
PERMISSION_MODULE = Path("registries/access.py")


def test_no_role_is_compared_outside_the_permission_module() -> None:
    """Every "may this user..." is a named rule of registries/access.py, never a role compared in place."""
    root = Path(__file__).resolve().parents[2]
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for folder in ("registries", "credit_risk", "plans", "inspections", "publicity", "templates", "config")
        for path in sorted((root / folder).rglob("*"))
        if path.suffix in (".py", ".html") and path.relative_to(root) != PERMISSION_MODULE
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ROLE_CHECK.search(line)
    ]
    assert not found, "ask a rule of registries/access.py instead:\n" + "\n".join(found)


def test_lists_are_scoped_to_the_department_and_the_office_reads_all(
    alice: User, bob: User, olivia: User, ivan: User, simon: User, amr: Any, drc: Any
) -> None:
    mine = TargetFactory(department=amr, name="阳城县康乐粮油贸易有限公司")
    theirs = TargetFactory(department=drc, name="阳城县润泽农资有限公司")
    leader = UserFactory(username="leo", role=Role.LEADER, department=amr)

    def seen(user: Any) -> set[int]:
        return set(scoped(user, Target.objects.all()).values_list("pk", flat=True))

    assert seen(alice) == seen(leader) == {mine.pk}
    assert seen(bob) == {theirs.pk}
    assert seen(olivia) == {mine.pk, theirs.pk}
    assert seen(ivan) == seen(simon) == seen(AnonymousUser()) == set()


def test_a_page_behind_a_rule_refuses_put_and_delete(alice: User) -> None:
    client = Client()
    client.force_login(alice)
    assert client.get("/registries/targets/").status_code == 200
    assert client.put("/registries/targets/").status_code == 405
    assert client.delete("/registries/targets/").status_code == 405
    assert client.patch("/registries/targets/").status_code == 405


def test_a_rule_is_asked_through_the_users_permissions(alice: User, bob: User, amr: Any) -> None:
    """Views, templates and services ask `user.has_perm`: the rules backend is installed."""
    from django.conf import settings

    assert "rules.permissions.ObjectPermissionBackend" in settings.AUTHENTICATION_BACKENDS
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    target = TargetFactory(department=amr)
    assert alice.has_perm("credit_risk.set_tier", target)
    assert not bob.has_perm("credit_risk.set_tier", target)
