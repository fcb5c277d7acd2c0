"""The audit trail: written with the change, chained by SHA-256, append-only, purged only when old."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from registries.audit import AuditPurgeRefusedError, audit_purge, audit_record, audit_verify, retention_cutoff
from registries.models import GENESIS_HASH, AuditAnchor, AuditEvent, Department, User

pytestmark = pytest.mark.django_db


def _tamper(sql: str, params: list[object]) -> None:
    """Change rows behind the application's back (the triggers allow it only when ignored)."""
    import pgtrigger

    with pgtrigger.ignore("registries.AuditEvent:append_only"), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_it_records_who_what_when_where_and_the_object(alice: User, amr: Department, rf) -> None:  # type: ignore[no-untyped-def]
    request = rf.post("/", REMOTE_ADDR="10.1.2.3")
    event = audit_record(actor=alice, action="target.import", obj=amr, request=request, detail={"rows": 3})

    event.refresh_from_db()
    assert event.actor == alice
    assert event.actor_username == "alice"
    assert event.ip == "10.1.2.3"
    assert event.object_id == str(amr.pk)
    assert event.object_repr == "阳城县市场监督管理局"
    assert event.content_type is not None and event.content_type.model == "department"
    assert event.detail == {"rows": 3}
    assert event.success is True


def test_it_chains_each_row_to_the_previous(alice: User) -> None:
    first = audit_record(actor=alice, action="a")
    second = audit_record(actor=alice, action="b", detail={"when": dt.date(2026, 3, 1)})

    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    second.refresh_from_db()
    assert second.compute_hash() == second.hash
    assert audit_verify().ok


def test_it_rolls_back_the_change_when_the_audit_row_cannot_be_written(alice: User) -> None:
    with pytest.raises(TypeError), transaction.atomic():
        User.objects.filter(pk=alice.pk).update(full_name="改名")
        audit_record(actor=alice, action="user.rename", detail={"bad": object()})

    alice.refresh_from_db()
    assert alice.full_name == "王丽"
    assert not AuditEvent.objects.exists()


def test_it_disappears_with_a_rolled_back_change(alice: User) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=alice, action="plan.publish")
        raise RuntimeError

    assert not AuditEvent.objects.exists()


def test_it_names_a_changed_row(alice: User) -> None:
    for i in range(4):
        audit_record(actor=alice, action=f"step{i}")
    _tamper("UPDATE registries_auditevent SET success = false WHERE seq = 3", [])

    report = audit_verify()
    assert (report.ok, report.broken_seq, report.checked) == (False, 3, 2)
    with pytest.raises(CommandError, match="第 3 条"):
        call_command("verify_audit")


def test_it_names_the_row_after_a_deleted_one(alice: User) -> None:
    for i in range(4):
        audit_record(actor=alice, action=f"step{i}")
    _tamper("DELETE FROM registries_auditevent WHERE seq = 2", [])

    assert audit_verify().broken_seq == 2


def test_it_names_a_row_rewritten_with_a_fresh_hash_by_the_next_row(alice: User) -> None:
    for i in range(3):
        audit_record(actor=alice, action=f"step{i}")
    forged = AuditEvent.objects.get(seq=2)
    forged.action = "forged"
    _tamper(
        "UPDATE registries_auditevent SET action = %s, hash = %s WHERE seq = 2",
        ["forged", forged.compute_hash()],
    )

    assert audit_verify().broken_seq == 3


def test_verify_audit_reports_an_intact_chain(alice: User, capsys) -> None:  # type: ignore[no-untyped-def]
    audit_record(actor=alice, action="a")
    audit_record(actor=alice, action="b")

    call_command("verify_audit")
    assert "共 2 条" in capsys.readouterr().out


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE registries_auditevent SET action = 'x'",
        "DELETE FROM registries_auditevent",
        "TRUNCATE registries_auditevent",
    ],
)
def test_the_database_refuses_to_change_the_trail(alice: User, sql: str) -> None:
    audit_record(actor=alice, action="a")

    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cursor:
        # As in production: only the test settings allow TRUNCATE (to empty the test database).
        cursor.execute("SET LOCAL ssj.allow_truncate = 'off'")
        cursor.execute(sql)
    assert AuditEvent.objects.get().action == "a"


def test_the_database_refuses_to_change_a_purge_anchor(alice: User) -> None:
    AuditAnchor.objects.create(purged_before="2020-01-01T00:00Z", last_seq=1, last_hash="a" * 64, purged_count=1)

    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic():
        AuditAnchor.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain(alice: User) -> None:
    errors: list[BaseException] = []

    def append(n: int) -> None:
        try:
            for i in range(15):
                with transaction.atomic():
                    audit_record(actor=None, actor_username=f"t{n}", action=f"race.{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert AuditEvent.objects.count() == 45
    assert audit_verify().ok


def test_purge_refuses_rows_younger_than_six_months(alice: User) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), tick=False):
        assert retention_cutoff().date() == dt.date(2026, 5, 23)
        with pytest.raises(AuditPurgeRefusedError, match="6 个月"):
            audit_purge(before=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
        with pytest.raises(CommandError, match="6 个月"):
            call_command("purge_audit", "--before", "2026-06-01")


def test_retention_cutoff_clamps_to_the_end_of_the_month() -> None:
    with time_machine.travel(dt.datetime(2026, 8, 31, 12, tzinfo=dt.UTC), tick=False):
        assert retention_cutoff().date() == dt.date(2026, 2, 28)


def test_purge_keeps_the_rest_of_the_chain_verifiable(alice: User) -> None:
    with time_machine.travel(dt.datetime(2025, 1, 10, tzinfo=dt.UTC), tick=False):
        old = [audit_record(actor=alice, action=f"old{i}") for i in range(3)]
    with time_machine.travel(dt.datetime(2026, 11, 1, tzinfo=dt.UTC), tick=False):
        audit_record(actor=alice, action="recent")
    with time_machine.travel(dt.datetime(2026, 11, 23, tzinfo=dt.UTC), tick=False):
        call_command("purge_audit", "--before", "2025-06-01")

    anchor = AuditAnchor.objects.get()
    assert (anchor.last_seq, anchor.last_hash, anchor.purged_count) == (3, old[-1].hash, 3)
    assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)) == ["recent", "audit.purge"]
    report = audit_verify()
    assert report.ok and report.checked == 2


def test_a_purge_anchor_does_not_hide_rows_deleted_after_it(alice: User) -> None:
    with time_machine.travel(dt.datetime(2025, 1, 10, tzinfo=dt.UTC), tick=False):
        for i in range(3):
            audit_record(actor=alice, action=f"old{i}")
    with time_machine.travel(dt.datetime(2026, 11, 23, tzinfo=dt.UTC), tick=False):
        audit_record(actor=alice, action="recent")
        audit_purge(before=dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    _tamper("DELETE FROM registries_auditevent WHERE action = 'recent'", [])

    assert audit_verify().broken_seq == 4
