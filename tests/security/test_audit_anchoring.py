"""The audit chain survives its own DBA: keyed by HMAC, held against signed checkpoints outside the database.

Each attack runs as the database superuser (the test connection) through raw SQL, with the
triggers switched off as only a superuser can, and without the HMAC key, as a DBA would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse

from registries.audit import audit_record, audit_verify
from registries.audit_checkpoints import CHECKPOINT_FILE, checkpoint_take, checkpoints_read, public_key_hex
from registries.models import AuditEvent, Role, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def as_superuser(*statements: tuple[str, list[object]]) -> None:
    """Run SQL with every trigger off (session_replication_role: superusers only)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for sql, params in statements:
            cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def trail(user: User, n: int) -> list[AuditEvent]:
    return [
        audit_record(actor=user, action="target.import", detail={"row": i, "名称": "阳城县晋阳食品有限公司"})
        for i in range(n)
    ]


def rewrite_without_the_key(from_seq: int, *, action: str, keyed: bool, to_seq: int | None = None) -> None:
    """Edit one row and recompute every later hash with SHA-256, as someone without the key can."""
    prev = AuditEvent.objects.get(seq=from_seq).prev_hash
    rows = AuditEvent.objects.filter(seq__gte=from_seq).order_by("seq")
    for event in rows.filter(seq__lte=to_seq) if to_seq else rows:
        if event.seq == from_seq:
            event.action = action
        event.prev_hash = prev
        forged = hashlib.sha256((prev + event.canonical()).encode()).hexdigest()
        as_superuser(
            (
                "UPDATE registries_auditevent SET action = %s, prev_hash = %s, hash = %s, keyed = %s WHERE seq = %s",
                [event.action, prev, forged, keyed, event.seq],
            )
        )
        prev = forged


def test_a_keyed_chain_cannot_be_recomputed_without_the_key(alice: User) -> None:
    events = trail(alice, 3)
    assert all(event.keyed for event in events)
    assert events[1].hash != hashlib.sha256((events[1].prev_hash + events[1].canonical()).encode()).hexdigest()
    assert audit_verify().ok


def test_a_row_rewritten_with_every_later_hash_recomputed_is_named(alice: User) -> None:
    trail(alice, 6)
    rewrite_without_the_key(3, action="target.export", keyed=True)

    report = audit_verify()
    assert (report.ok, report.broken_seq) == (False, 3)
    assert "HMAC" in report.reason
    with pytest.raises(CommandError, match="第 3 条"):
        call_command("verify_audit")


def test_a_rewrite_that_marks_rows_unkeyed_is_named(alice: User) -> None:
    trail(alice, 6)
    rewrite_without_the_key(4, action="target.export", keyed=False)

    report = audit_verify()
    assert (report.ok, report.broken_seq) == (False, 4)
    assert "没有密钥签名" in report.reason


def test_a_whole_chain_rewritten_unkeyed_is_caught_by_the_checkpoint(alice: User) -> None:
    trail(alice, 5)
    checkpoint_take()
    rewrite_without_the_key(1, action="target.export", keyed=False)

    report = audit_verify()
    assert (report.ok, report.broken_seq) == (False, 5)
    assert "检查点" in report.reason


def test_deleting_the_newest_rows_is_caught_since_the_checkpoint(alice: User) -> None:
    trail(alice, 5)
    first = checkpoint_take()
    trail(alice, 2)
    checkpoint_take()
    as_superuser(("DELETE FROM registries_auditevent WHERE seq >= 4", []))

    report = audit_verify()
    assert (report.ok, report.broken_seq) == (False, 4)
    # Named since the first checkpoint that the table no longer reaches.
    assert first.label() in report.reason and "第 4 条及之后" in report.reason and "第 5 条" in report.reason
    with pytest.raises(CommandError, match="第 4 条"):
        call_command("verify_audit")


def test_emptying_the_trail_is_caught(alice: User) -> None:
    trail(alice, 4)
    checkpoint = checkpoint_take()
    as_superuser(("TRUNCATE registries_auditevent", []))
    assert not AuditEvent.objects.exists()

    report = audit_verify()
    assert (report.ok, report.broken_seq) == (False, 1)
    assert "清空" in report.reason and checkpoint.label() in report.reason


def test_a_forged_purge_anchor_does_not_excuse_an_emptied_trail(alice: User) -> None:
    events = trail(alice, 4)
    as_superuser(
        ("TRUNCATE registries_auditevent", []),
        (
            "INSERT INTO registries_auditanchor (created_at, purged_before, last_seq, last_hash, purged_count,"
            " actor_username) VALUES (now(), now(), 4, %s, 4, '')",
            [events[-1].hash],
        ),
    )

    report = audit_verify()
    assert not report.ok and "锚点" in report.reason


def test_an_intact_chain_matches_every_checkpoint(alice: User, capsys) -> None:  # type: ignore[no-untyped-def]
    trail(alice, 3)
    checkpoint_take()
    trail(alice, 2)
    checkpoint_take()

    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "共 5 条" in out and "2 个签名检查点" in out


def test_a_checkpoint_is_signed_appended_and_mailed_to_the_auditors(alice: User, checkpoint_store: Path) -> None:
    UserFactory(username="audrey", role=Role.AUDIT_ADMIN, department=None, email="sunshenji@yangcheng.gov.cn")
    trail(alice, 3)
    checkpoint = checkpoint_take()

    lines = (checkpoint_store / CHECKPOINT_FILE).read_text().splitlines()
    data = json.loads(lines[-1])
    assert (data["count"], data["last_seq"], data["head"]) == (3, 3, AuditEvent.objects.get(seq=3).hash)
    assert data["public_key"] == public_key_hex() and checkpoint.verified()
    assert mail.outbox[-1].to == ["sunshenji@yangcheng.gov.cn"]
    assert checkpoint.line() in mail.outbox[-1].body


def test_a_tampered_checkpoint_file_fails_verification(alice: User, checkpoint_store: Path) -> None:
    trail(alice, 3)
    checkpoint_take()
    path = checkpoint_store / CHECKPOINT_FILE
    data = json.loads(path.read_text())
    data["last_seq"] = 2
    path.write_text(json.dumps(data) + "\n")

    report = audit_verify()
    assert not report.ok and "签名无效" in report.reason


def test_a_mailed_copy_of_a_checkpoint_catches_a_wiped_store(alice: User, checkpoint_store: Path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    trail(alice, 4)
    checkpoint_take()
    mailed = tmp_path / "mailed.jsonl"
    mailed.write_text((checkpoint_store / CHECKPOINT_FILE).read_text())
    (checkpoint_store / CHECKPOINT_FILE).unlink()
    as_superuser(("DELETE FROM registries_auditevent WHERE seq = 4", []))

    assert audit_verify().ok  # nothing left to compare with in the store
    with pytest.raises(CommandError, match="第 4 条"):
        call_command("verify_audit", "--checkpoints", str(mailed))


def test_the_daily_task_takes_a_checkpoint(alice: User) -> None:
    from registries.tasks import audit_checkpoint_task

    trail(alice, 2)
    assert settings.CELERY_BEAT_SCHEDULE["audit-checkpoint"]["task"] == "registries.audit_checkpoint"
    audit_checkpoint_task.delay()
    assert [c.last_seq for c in checkpoints_read()] == [2]


def _seal_migration():  # type: ignore[no-untyped-def]
    path = next((ROOT / "registries/migrations").glob("*_audit_keyed_chain.py"))
    return importlib.import_module(f"registries.migrations.{path.stem}")


def test_the_migration_seals_the_unkeyed_rows_written_before_the_key(alice: User) -> None:
    prev = "0" * 64
    for seq in range(1, 4):
        event = AuditEvent(
            seq=seq,
            created_at=dt.datetime(2026, 3, 1, 8, seq, tzinfo=dt.UTC),
            actor_username="alice",
            action="target.import",
            prev_hash=prev,
            keyed=False,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        prev = event.hash
    _seal_migration().seal_unkeyed_chain(apps, SimpleNamespace(connection=connection))

    seal = AuditEvent.objects.get(seq=4)
    assert (seal.action, seal.keyed, seal.detail["unkeyed_rows"]) == ("audit.chain_keyed", True, 3)
    report = audit_verify()
    assert report.ok and report.legacy == 3
    audit_record(actor=alice, action="auth.login")
    assert audit_verify().ok

    # An unkeyed row rewritten with its chain recomputed no longer matches what the seal covers.
    rewrite_without_the_key(2, action="target.export", keyed=False, to_seq=3)
    assert audit_verify().broken_seq == 4


def test_the_public_page_shows_the_latest_signed_checkpoint(alice: User, client) -> None:  # type: ignore[no-untyped-def]
    trail(alice, 3)
    checkpoint = checkpoint_take()

    response = client.get(reverse("publicity:audit_checkpoint"))
    assert response.status_code == 200
    page = response.content.decode()
    assert checkpoint.head in page and checkpoint.signature in page and public_key_hex() in page
