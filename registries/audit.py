"""The audit trail: one function writes to it, one verifies it, one purges old rows.

Every service that changes something calls `audit_record` inside its own transaction,
so the change and its audit row commit together: if the row cannot be written the
change is rolled back with it.

Each row is chained to the previous one by HMAC-SHA256 with a key the database does not
hold (settings.AUDIT_HMAC_KEY), and signed checkpoints of the chain's head and length are
kept outside the database (registries/audit_checkpoints.py). `audit_verify` walks the
chain and compares it with every checkpoint, so a row rewritten without the key, the
newest rows deleted or the whole table emptied are each found and named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

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
    with connections[using].cursor() as cursor:
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
            keyed=True,
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
    """What `audit_verify` found: rows checked, and the first break (row and reason) if any."""

    checked: int
    broken_seq: int | None = None
    reason: str = ""
    # Rows chained by plain SHA-256 before the key existed (sealed by the first keyed row).
    legacy: int = 0
    # Signed checkpoints found outside the database and compared with the table.
    checkpoints: int = 0
    # The newest checkpoint the table still matches ("intact up to"), when there is one.
    last_good_checkpoint: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def _latest_anchor(using: str) -> AuditAnchor | None:
    return AuditAnchor.objects.using(using).order_by("-last_seq").first()


def _anchor_corroborated(anchor: AuditAnchor, using: str) -> bool:
    """A purge anchor counts only with the chained `audit.purge` row its purge wrote."""
    purges = AuditEvent.objects.using(using).filter(action="audit.purge", seq__gt=anchor.last_seq)
    for event in purges.only("detail"):
        detail = event.detail or {}
        if detail.get("last_seq") == anchor.last_seq and detail.get("last_hash", anchor.last_hash) == anchor.last_hash:
            return True
    return False


def _walk_chain(anchor: AuditAnchor | None, using: str, batch_size: int) -> tuple[ChainReport, int | None]:
    """Check every row from the anchor (or the genesis); returns the report and the last seq seen."""
    expected_seq, expected_prev = (anchor.last_seq + 1, anchor.last_hash) if anchor else (1, GENESIS_HASH)
    checked = legacy = 0
    seen_keyed = False
    last_seq: int | None = None
    rows = AuditEvent.objects.using(using).filter(seq__gte=expected_seq).order_by("seq")
    for event in rows.iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            reason = _("缺少第 %(seq)d 条记录（下一条为第 %(next)d 条）") % {"seq": expected_seq, "next": event.seq}
            return ChainReport(checked, expected_seq, reason, legacy), last_seq
        if event.prev_hash != expected_prev:
            return ChainReport(checked, event.seq, _("前一条哈希不符：前一条记录被删除或修改"), legacy), last_seq
        if not event.keyed and seen_keyed:
            reason = _("本条记录没有密钥签名，却排在有密钥签名的记录之后：本条起的记录被不掌握密钥者改写")
            return ChainReport(checked, event.seq, reason, legacy), last_seq
        if event.compute_hash() != event.hash:
            reason = (
                _("密钥签名（HMAC）不符：本条记录被修改，或被不掌握密钥者改写后重算了哈希")
                if event.keyed
                else _("哈希不符：本条记录被修改")
            )
            return ChainReport(checked, event.seq, reason, legacy), last_seq
        seen_keyed = seen_keyed or event.keyed
        legacy += not event.keyed
        checked += 1
        last_seq = event.seq
        expected_seq, expected_prev = event.seq + 1, event.hash
    return ChainReport(checked, legacy=legacy), last_seq


def audit_verify(
    *, using: str = "default", batch_size: int = 5000, extra_checkpoints: list[Path] | None = None
) -> ChainReport:
    """Walk the chain from the last purge anchor, then hold it against every signed checkpoint.

    Names the first broken row, or the checkpoint since which rows are missing or rewritten.
    `extra_checkpoints` adds checkpoint files kept elsewhere (the copies mailed to the auditors).
    """
    from registries.audit_checkpoints import CheckpointError, checkpoints_read

    anchor = _latest_anchor(using)
    report, last_seq = _walk_chain(anchor, using, batch_size)
    if not report.ok:
        return report
    older = AuditEvent.objects.using(using).filter(seq__lt=(anchor.last_seq + 1 if anchor else 1))
    if older.exists():
        first = older.order_by("seq").first()
        assert first is not None
        return replace(report, broken_seq=first.seq, reason=_("锚点之前仍有记录：清理记录被篡改"))

    try:
        checkpoints = checkpoints_read(extra=extra_checkpoints)
    except CheckpointError as exc:
        return replace(report, broken_seq=(last_seq or 0) + 1, reason=str(exc))
    report = replace(report, checkpoints=len(checkpoints))
    anchor_seq = anchor.last_seq if anchor else 0
    head = last_seq if last_seq is not None else anchor_seq
    good = ""
    for checkpoint in checkpoints:
        when = checkpoint.label()
        if checkpoint.last_seq > head:
            reason = (
                _("审计记录被清空或删除：检查点 %(when)s 记录到第 %(seq)d 条（共 %(count)d 条），数据库中已无记录")
                if last_seq is None
                else _(
                    "第 %(first)d 条及之后的记录被删除：检查点 %(when)s 记录到第 %(seq)d 条（共 %(count)d 条），"
                    "数据库中只到第 %(head)d 条"
                )
            ) % {"when": when, "seq": checkpoint.last_seq, "count": checkpoint.count, "first": head + 1, "head": head}
            return replace(report, broken_seq=head + 1, reason=reason, last_good_checkpoint=good)
        if checkpoint.last_seq > anchor_seq:
            stored = AuditEvent.objects.using(using).filter(seq=checkpoint.last_seq).values_list("hash", flat=True)
            matches = list(stored) == [checkpoint.head]
        elif checkpoint.last_seq == anchor_seq and anchor is not None:
            matches = anchor.last_hash == checkpoint.head
        else:
            matches = True  # purged since, under a corroborated anchor
        if not matches:
            reason = _("第 %(seq)d 条记录与检查点 %(when)s 的链头不符：该检查点之前的记录被改写") % {
                "seq": checkpoint.last_seq,
                "when": when,
            }
            return replace(report, broken_seq=checkpoint.last_seq, reason=reason, last_good_checkpoint=good)
        good = when
    report = replace(report, last_good_checkpoint=good)
    if anchor is not None and not _anchor_corroborated(anchor, using):
        return replace(
            report,
            broken_seq=anchor.last_seq + 1,
            reason=_("清理锚点（至第 %(seq)d 条）没有对应的清理记录：锚点是伪造的，此前的记录被删除")
            % {"seq": anchor.last_seq},
        )
    return report


def audit_head(*, using: str = "default") -> tuple[int, int, str]:
    """(rows in the table, last seq, head hash) now: what a checkpoint records."""
    count = AuditEvent.objects.using(using).count()
    last = AuditEvent.objects.using(using).order_by("-seq").only("seq", "hash").first()
    if last is not None:
        return count, last.seq, last.hash
    anchor = _latest_anchor(using)
    return (count, anchor.last_seq, anchor.last_hash) if anchor else (count, 0, GENESIS_HASH)


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
            detail={"before": before.isoformat(), "count": count, "last_seq": last.seq, "last_hash": last.hash},
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
