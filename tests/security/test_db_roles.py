"""The application's database role cannot get past the guards its owner set.

A role is created in the test cluster and granted exactly as `manage.py db_roles` grants the
application's role; each test connects as that role (a connection of its own, as web and
worker do) and tries one way around a guard.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import errors

from inspections.models import Evidence, ItemResult, Result
from inspections.services.results import evidence_add, result_submit
from registries.audit import audit_record
from registries.db_roles import app_role_grant, final_tables
from registries.models import AuditEvent, User
from tests.inspections.results.builders import jpeg_bytes
from tests.inspections.results.conftest import World, entry

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class AppRole:
    name: str
    password: str

    def connect(self) -> psycopg.Connection:
        s = connection.settings_dict
        return psycopg.connect(
            # The private server of scripts/test listens on a Unix socket (OPTIONS["host"]).
            host=s.get("OPTIONS", {}).get("host") or s["HOST"] or "127.0.0.1",
            port=s["PORT"] or 5432,
            dbname=s["NAME"],
            user=self.name,
            password=self.password,
            autocommit=True,
        )


@pytest.fixture
def app_role() -> AppRole:
    """The application's role of this test database, granted as `db_roles` grants it."""
    role = AppRole(f"{connection.settings_dict['NAME']}_app"[:63], secrets.token_urlsafe(16))
    app_role_grant(role=role.name, password=role.password)
    return role


@pytest.fixture
def app(app_role: AppRole) -> Iterator[psycopg.Connection]:
    with app_role.connect() as conn:
        yield conn


@pytest.fixture
def submitted(transactional_db, alice: User, ivan: User, settings, tmp_path) -> Result:  # type: ignore[no-untyped-def]
    """A submitted result with a photo, and an audit row: all committed (seeded again, as an
    earlier transactional test may have emptied the seeded tables)."""
    from tests.e2e.demo_county import ensure_seeded
    from tests.inspections.results.builders import drawn_grain_task

    settings.MEDIA_ROOT = tmp_path
    ensure_seeded()
    task, draw_round, officers, items = drawn_grain_task(alice, ivan, targets=1, year=2026, start_month=3, end_month=10)
    world = World(task.initiator, task, draw_round, officers, items)  # type: ignore[arg-type]
    visit = world.visits[0]
    evidence_add(visit=visit, user=ivan, upload=SimpleUploadedFile("现场.jpg", jpeg_bytes()))
    result = result_submit(visit=visit, user=ivan, data=entry(world, {0: ["07"]}, findings="台账不全"))
    audit_record(actor=ivan, action="result.submit", obj=result)
    return result


def _pgid(model: type, name: str) -> str:
    return next(t for t in model._meta.triggers if t.name == name).get_pgid(model)  # type: ignore[attr-defined]


def refused(app: psycopg.Connection, *statements: str, error: type[Exception] = errors.InsufficientPrivilege) -> None:
    with pytest.raises(error), app.transaction(), app.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)  # type: ignore[arg-type]


def test_it_cannot_change_or_delete_what_was_submitted(app: psycopg.Connection, submitted: Result) -> None:
    for table in ("inspections_result", "inspections_itemresult", "inspections_itemresultcategory"):
        refused(app, f"UPDATE {table} SET id = id")
        refused(app, f"DELETE FROM {table}")
    refused(app, "UPDATE inspections_result SET findings = '无问题'")
    assert Result.objects.get().findings == "台账不全"
    assert ItemResult.objects.count() == 2


def test_it_cannot_change_delete_or_truncate_the_audit_trail(app: psycopg.Connection, submitted: Result) -> None:
    before = list(AuditEvent.objects.values_list("seq", "hash"))
    for sql in (
        "UPDATE registries_auditevent SET action = 'auth.login'",
        "DELETE FROM registries_auditevent",
        "TRUNCATE registries_auditevent",
        "DELETE FROM registries_auditanchor",
        "INSERT INTO registries_auditanchor (created_at, purged_before, last_seq, last_hash, purged_count,"
        " actor_username) VALUES (now(), now(), 99, 'x', 1, '')",
    ):
        refused(app, sql)
    assert list(AuditEvent.objects.values_list("seq", "hash")) == before


def test_setting_the_truncate_switch_does_not_let_it_truncate(app: psycopg.Connection, submitted: Result) -> None:
    refused(app, "SET LOCAL ssj.allow_truncate = 'on'", "TRUNCATE registries_auditevent")
    assert AuditEvent.objects.exists()


def test_the_truncate_switch_is_the_owners_even_if_truncate_were_granted(
    app_role: AppRole, app: psycopg.Connection, submitted: Result
) -> None:
    """The trigger itself asks who truncates: a grant given by mistake does not open it."""
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT TRUNCATE ON registries_auditevent TO "{app_role.name}"')
    refused(app, "SET LOCAL ssj.allow_truncate = 'on'", "TRUNCATE registries_auditevent", error=errors.RaiseException)
    assert AuditEvent.objects.exists()


def test_pgtrigger_ignore_does_not_skip_a_guard_for_it(app: psycopg.Connection, submitted: Result) -> None:
    """It may update draft evidence, so only the trigger guards a submitted result's photo."""
    pgid = _pgid(Evidence, "evidence_of_result_is_final")
    refused(
        app,
        f"SET LOCAL pgtrigger.ignore = '{{{pgid}}}'",
        "UPDATE inspections_evidence SET original_name = '替换.jpg'",
        error=errors.RaiseException,
    )
    refused(
        app,
        f"SET LOCAL pgtrigger.ignore = '{{{pgid}}}'",
        "DELETE FROM inspections_evidence",
        error=errors.RaiseException,
    )
    assert Evidence.objects.get().original_name == "现场.jpg"


def test_pgtrigger_ignore_still_serves_the_owner(submitted: Result) -> None:
    """The owner (here the superuser) keeps the escape hatch a purge needs."""
    import pgtrigger

    with pgtrigger.ignore("inspections.Evidence:evidence_of_result_is_final"):
        Evidence.objects.update(original_name="现场照片.jpg")
    assert Evidence.objects.get().original_name == "现场照片.jpg"


def test_it_cannot_alter_tables_or_disable_their_triggers(app: psycopg.Connection, submitted: Result) -> None:
    for sql in (
        "ALTER TABLE registries_auditevent DISABLE TRIGGER ALL",
        "ALTER TABLE inspections_result DISABLE TRIGGER USER",
        f"ALTER TABLE inspections_evidence DISABLE TRIGGER {_pgid(Evidence, 'evidence_of_result_is_final')}",
        f"DROP TRIGGER {_pgid(AuditEvent, 'append_only')} ON registries_auditevent",
        "CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME) RETURNS BOOLEAN"
        " AS $$ BEGIN RETURN TRUE; END; $$ LANGUAGE plpgsql",
        "CREATE FUNCTION public.ssj_escape() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql",
    ):
        refused(app, sql)


def test_it_cannot_switch_every_trigger_off_for_its_session(app: psycopg.Connection, submitted: Result) -> None:
    refused(app, "SET session_replication_role = replica", "DELETE FROM inspections_evidence")
    assert Evidence.objects.exists()


def test_it_can_do_its_work(app: psycopg.Connection, submitted: Result) -> None:
    """Reads, appends to the trail, edits what is not final, and takes the chain's lock."""
    with app.transaction(), app.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM inspections_result")
        assert cursor.fetchone() == (1,)
        cursor.execute("SELECT pg_advisory_xact_lock(1)")
        cursor.execute(
            "INSERT INTO registries_auditevent (seq, created_at, actor_username, ip, action, object_id, object_repr,"
            " success, detail, prev_hash, hash, keyed) VALUES (1000, now(), 'ivan', NULL, 'auth.login', '', '',"
            " true, '{}', 'a', 'b', true)"
        )
        cursor.execute("UPDATE registries_user SET full_name = full_name")
        cursor.execute("CREATE TEMP TABLE target_stage (credit_code text)")
        cursor.execute("TRUNCATE target_stage")
    assert AuditEvent.objects.filter(seq=1000).exists()


def test_the_grants_follow_the_triggers() -> None:
    tables = final_tables()
    assert tables["registries_auditevent"] == {"UPDATE", "DELETE"}
    assert tables["inspections_result"] == {"UPDATE", "DELETE"}
    assert tables["inspections_itemresult"] == {"UPDATE", "DELETE"}
    assert "inspections_evidence" not in tables  # conditional: guarded by its trigger


def test_the_command_grants_and_refuses_a_superuser(app_role: AppRole, capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("db_roles", "--app-role", app_role.name, "--database", "default")
    out = capsys.readouterr().out
    assert "REVOKE DELETE, UPDATE ON" in out and f"role {app_role.name}: granted" in out
    with pytest.raises(CommandError, match=r"superuser|owner"):
        call_command("db_roles", "--app-role", connection.settings_dict["USER"], "--database", "default")


@pytest.fixture
def as_the_app(app_role: AppRole) -> Iterator[None]:
    """Django's own connection signs in as the application's role for the test (back as the owner after)."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(USER=app_role.name, PASSWORD=app_role.password)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(USER=saved["USER"], PASSWORD=saved["PASSWORD"])


def test_the_application_does_its_work_as_its_role(
    transactional_db: None, app_role: AppRole, alice: User, ivan: User, settings, tmp_path, as_the_app: None
) -> None:  # type: ignore[no-untyped-def]
    """A draw (COPY, history triggers), a result with a photo, a correction, the audit trail and a checkpoint."""
    from inspections.services.results import correction_decide, correction_request
    from registries.audit import audit_verify
    from registries.audit_checkpoints import checkpoint_take
    from registries.models import Role
    from tests.e2e.demo_county import ensure_seeded
    from tests.factories import UserFactory
    from tests.inspections.results.builders import drawn_grain_task

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (app_role.name,)
    settings.MEDIA_ROOT = tmp_path
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    ensure_seeded()
    task, draw_round, officers, items = drawn_grain_task(alice, ivan, targets=2, year=2026, start_month=3, end_month=10)
    world = World(task.initiator, task, draw_round, officers, items)  # type: ignore[arg-type]
    visit = world.visits[0]
    evidence_add(visit=visit, user=ivan, upload=SimpleUploadedFile("现场.jpg", jpeg_bytes()))
    result = result_submit(visit=visit, user=ivan, data=entry(world, {0: ["07"]}, findings="台账不全"))
    leader = UserFactory(username="leo", role=Role.LEADER, department=alice.department)
    correction = correction_request(
        result=result, user=ivan, reason="漏记问题", proposed=entry(world, {1: ["07"]}, findings="库存不符")
    )
    correction_decide(correction=correction, user=leader, approve=True, note="同意")
    audit_record(actor=ivan, action="result.submit", obj=result)
    checkpoint_take()

    assert Result.objects.filter(visit=visit).count() == 2
    assert audit_verify().ok
