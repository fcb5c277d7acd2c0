"""The audit trail: one function writes to it, one verifies it, one purges old rows.

Every service that changes something calls `audit_record` inside its own transaction,
so the change and its audit row commit together: if the row cannot be written the
change is rolled back with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from registries.models import GENESIS_HASH, AuditAnchor, AuditEvent

# Any fixed 64-bit key: the lock that serialises appends to the chain.
AUDIT_CHAIN_LOCK = 0x5A5A_0003


class AuditPurgeRefusedError(Exception):
    """A purge would remove rows younger than the retention period."""


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the reverse proxy saw it (axes reads it the same way)."""
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR") or None


def _lock_chain(using: str) -> None:
    # Two transactions appending at once would both read the same last row and chain
    # to it, forking the chain (and one would fail on the unique seq). The lock is held
    # until the transaction ends, so the second one reads the first one's committed row.
    # SQLite serialises writers by itself.
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK])


def _json_safe(detail: dict[str, Any] | None) -> dict[str, Any]:
    """The detail exactly as the JSON column will give it back (dates, decimals as strings)."""
    return json.loads(json.dumps(detail or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: Model | None = None,
    request: HttpRequest | None = None,
    success: bool = True,
    detail: dict[str, Any] | None = None,
    actor_username: str = "",
    using: str = "default",
) -> AuditEvent:
    """Append one event to the audit trail in the caller's transaction.

    `actor` is a user or None (a failed login, a system job); `actor_username` names
    who claimed to act when there is no user (the username typed at a failed login).
    Appends are serialised until the caller's transaction ends: call this as the last
    step of a long transaction (an import), not the first, or other writers wait.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    with transaction.atomic(using=using):
        _lock_chain(using)
        last = AuditEvent.objects.using(using).order_by("-seq").only("seq", "hash").first()
        if last is not None:
            seq, prev_hash = last.seq + 1, last.hash
        else:
            anchor = AuditAnchor.objects.using(using).order_by("-last_seq").first()
            seq, prev_hash = (anchor.last_seq + 1, anchor.last_hash) if anchor else (1, GENESIS_HASH)
        event = AuditEvent(
            seq=seq,
            created_at=timezone.now(),
            actor=actor,
            actor_username=(actor.get_username() if actor is not None else actor_username)[:150],
            ip=client_ip(request),
            action=action,
            success=success,
            detail=_json_safe(detail),
            prev_hash=prev_hash,
        )
        if obj is not None:
            event.content_type = ContentType.objects.db_manager(using).get_for_model(obj)
            event.object_id = str(obj.pk)[:64]
            event.object_repr = str(obj)[:200]
        event.hash = event.compute_hash()
        event.save(using=using, force_insert=True)
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def audit_verify(*, using: str = "default", batch_size: int = 5000) -> ChainReport:
    """Walk the chain from the last purge anchor (or the genesis); name the first broken row."""
    anchor = AuditAnchor.objects.using(using).order_by("-last_seq").first()
    expected_seq, expected_prev = (anchor.last_seq + 1, anchor.last_hash) if anchor else (1, GENESIS_HASH)
    checked = 0
    rows = AuditEvent.objects.using(using).filter(seq__gte=expected_seq).order_by("seq")
    for event in rows.iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"缺少第 {expected_seq} 条记录（下一条为第 {event.seq} 条）")
        if event.prev_hash != expected_prev:
            return ChainReport(checked, event.seq, "前一条哈希不符：前一条记录被删除或修改")
        if event.compute_hash() != event.hash:
            return ChainReport(checked, event.seq, "哈希不符：本条记录被修改")
        checked += 1
        expected_seq, expected_prev = event.seq + 1, event.hash
    older = AuditEvent.objects.using(using).filter(seq__lt=(anchor.last_seq + 1 if anchor else 1))
    if older.exists():
        first = older.order_by("seq").first()
        assert first is not None
        return ChainReport(checked, first.seq, "锚点之前仍有记录：清理记录被篡改")
    return ChainReport(checked)


def retention_cutoff(now: datetime | None = None) -> datetime:
    """The newest time a purge may reach: AUDIT_RETENTION_MONTHS calendar months ago."""
    now = timezone.localtime(now or timezone.now())
    months = settings.AUDIT_RETENTION_MONTHS
    year, month = divmod(now.month - 1 - months, 12)
    year, month = now.year + year, month + 1
    day = now.day
    while True:
        try:
            return now.replace(year=year, month=month, day=day)
        except ValueError:  # 31 August minus 6 months: the last day of February
            day -= 1


def audit_purge(*, before: datetime, actor_username: str = "", using: str = "default") -> AuditAnchor | None:
    """Delete the rows older than `before`, keeping the rest verifiable from an anchor.

    Refuses `before` later than the retention cutoff. The append-only trigger is ignored
    only for this one DELETE, inside the transaction that records the anchor and the
    purge itself in the trail.
    """
    if before > retention_cutoff():
        raise AuditPurgeRefusedError(
            f"审计记录至少保存 {settings.AUDIT_RETENTION_MONTHS} 个月：只能清理 "
            f"{timezone.localtime(retention_cutoff()):%Y-%m-%d %H:%M} 之前的记录"
        )
    with transaction.atomic(using=using):
        _lock_chain(using)
        doomed = AuditEvent.objects.using(using).filter(created_at__lt=before).order_by("seq")
        last = doomed.last()
        if last is None:
            return None
        # A row younger than `before` may precede an older one only if clocks jumped:
        # never purge past the first kept row, or the chain would have a hole.
        first_kept = AuditEvent.objects.using(using).filter(created_at__gte=before).order_by("seq").first()
        if first_kept is not None and first_kept.seq < last.seq:
            last = AuditEvent.objects.using(using).filter(seq__lt=first_kept.seq).order_by("seq").last()
            if last is None:
                return None
        doomed = AuditEvent.objects.using(using).filter(seq__lte=last.seq)
        count = doomed.count()
        anchor = AuditAnchor.objects.using(using).create(
            purged_before=before,
            last_seq=last.seq,
            last_hash=last.hash,
            purged_count=count,
            actor_username=actor_username,
        )
        with pgtrigger.ignore("registries.AuditEvent:append_only", databases=[using]):
            doomed.delete()
        audit_record(
            actor=None,
            actor_username=actor_username,
            action="audit.purge",
            obj=anchor,
            detail={"before": before.isoformat(), "count": count, "last_seq": last.seq},
            using=using,
        )
    return anchor


def audit_events(
    *,
    action: str = "",
    username: str = "",
    date_from: Any = None,
    date_to: Any = None,
    success: bool | None = None,
    using: str = "default",
) -> QuerySet[AuditEvent]:
    """The trail for the audit administrator's page, newest first."""
    events = AuditEvent.objects.using(using).select_related("content_type").order_by("-seq")
    if action:
        events = events.filter(action__startswith=action)
    if username:
        events = events.filter(actor_username=username)
    if date_from:
        events = events.filter(created_at__date__gte=date_from)
    if date_to:
        events = events.filter(created_at__date__lte=date_to)
    if success is not None:
        events = events.filter(success=success)
    return events
