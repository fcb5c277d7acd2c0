"""Signed checkpoints of the audit chain, kept outside the database.

A checkpoint is (time, rows in the table, last seq, head hash), signed with Ed25519. The
signing key is derived from AUDIT_HMAC_KEY, so the database holds neither; the public key
is shown on the public site, so anyone can check a checkpoint they were sent or saw there.
Each checkpoint is appended to AUDIT_CHECKPOINT_DIR/checkpoints.jsonl (one JSON object a
line, never rewritten), mailed to the audit administrators and published
(publicity/views_audit.py). `audit_verify` holds the table against every checkpoint:
rows deleted, a table emptied or a chain rewritten since a checkpoint are found.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registries.models import Role, User
from registries.models.audit import audit_key

CHECKPOINT_FILE = "checkpoints.jsonl"
# What is signed: this prefix, then the checkpoint's fields as canonical JSON.
SIGNING_CONTEXT = b"ssj-audit-checkpoint-v1\n"


class CheckpointError(Exception):
    """A checkpoint file holds a line that is not a checkpoint signed with our key."""


def _signing_key() -> Ed25519PrivateKey:
    seed = hmac.new(audit_key(), b"ssj-audit-checkpoint-ed25519-v1", hashlib.sha256).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_hex() -> str:
    """The public key that verifies every checkpoint (published on the public site)."""
    return _signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


@dataclass(frozen=True)
class Checkpoint:
    time: datetime
    count: int
    last_seq: int
    head: str
    signature: str = ""

    def fields(self) -> dict[str, Any]:
        return {
            "time": self.time.astimezone(UTC).isoformat(),
            "count": self.count,
            "last_seq": self.last_seq,
            "head": self.head,
        }

    def message(self) -> bytes:
        return SIGNING_CONTEXT + json.dumps(self.fields(), sort_keys=True, separators=(",", ":")).encode()

    def line(self) -> str:
        return json.dumps(
            {**self.fields(), "public_key": public_key_hex(), "signature": self.signature}, sort_keys=True
        )

    def label(self) -> str:
        """How messages name it: its local time and the seq it reached."""
        return f"{timezone.localtime(self.time):%Y-%m-%d %H:%M:%S}"

    def verified(self) -> bool:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex()))
        try:
            public.verify(bytes.fromhex(self.signature), self.message())
        except (InvalidSignature, ValueError):
            return False
        return True


def checkpoint_sign(*, time: datetime, count: int, last_seq: int, head: str) -> Checkpoint:
    unsigned = Checkpoint(time=time, count=count, last_seq=last_seq, head=head)
    signature = _signing_key().sign(unsigned.message()).hex()
    return Checkpoint(time=time, count=count, last_seq=last_seq, head=head, signature=signature)


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def _parse(line: str, where: str) -> Checkpoint:
    try:
        data = json.loads(line)
        checkpoint = Checkpoint(
            time=datetime.fromisoformat(data["time"]),
            count=int(data["count"]),
            last_seq=int(data["last_seq"]),
            head=str(data["head"]),
            signature=str(data["signature"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(_("检查点 %(where)s 无法读取：%(error)s") % {"where": where, "error": exc}) from exc
    if not checkpoint.verified():
        raise CheckpointError(_("检查点 %(where)s 的签名无效：检查点文件被改动") % {"where": where})
    return checkpoint


def checkpoints_read(*, extra: list[Path] | None = None) -> list[Checkpoint]:
    """Every checkpoint in the store (and in `extra` files), oldest first; refuses a bad signature."""
    files = [checkpoint_dir() / CHECKPOINT_FILE, *(extra or [])]
    found: dict[tuple[datetime, int, str], Checkpoint] = {}
    for path in files:
        if not path.exists():
            continue
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if raw.strip():
                checkpoint = _parse(raw, f"{path.name}:{number}")
                found[(checkpoint.time, checkpoint.last_seq, checkpoint.head)] = checkpoint
    return sorted(found.values(), key=lambda c: (c.time, c.last_seq))


def checkpoint_latest() -> Checkpoint | None:
    """The newest checkpoint in the store, for the public page (None before the first one)."""
    try:
        checkpoints = checkpoints_read()
    except CheckpointError:
        return None
    return checkpoints[-1] if checkpoints else None


def _append(checkpoint: Checkpoint) -> None:
    directory = checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / CHECKPOINT_FILE).open("a", encoding="utf-8") as handle:
        handle.write(checkpoint.line() + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def checkpoint_recipients() -> list[str]:
    """The audit administrators' addresses, plus AUDIT_CHECKPOINT_RECIPIENTS (mailboxes outside the system)."""
    admins = User.objects.filter(role=Role.AUDIT_ADMIN, is_active=True).exclude(email="")
    return sorted({*admins.values_list("email", flat=True), *settings.AUDIT_CHECKPOINT_RECIPIENTS})


def checkpoint_take(*, using: str = "default") -> Checkpoint:
    """Sign the chain's head and length now, append it to the store and mail it to the auditors."""
    from registries.audit import _lock_chain, audit_head

    with transaction.atomic(using=using):
        _lock_chain(using)  # no row is appended between counting and reading the head
        count, last_seq, head = audit_head(using=using)
    checkpoint = checkpoint_sign(time=timezone.now(), count=count, last_seq=last_seq, head=head)
    _append(checkpoint)
    recipients = checkpoint_recipients()
    if recipients:
        subject = _("审计日志检查点 %(when)s：共 %(count)d 条，至第 %(seq)d 条") % {
            "when": checkpoint.label(),
            "count": count,
            "seq": last_seq,
        }
        body = "\n\n".join(
            [
                _(
                    "这是审计日志今天的签名检查点。请保存本邮件：若数据库中的审计日志被删除、清空或改写，"
                    "用它运行 manage.py verify_audit --checkpoints 文件 即可发现，并指出自哪个检查点起。"
                ),
                checkpoint.line(),
                _("验证签名的公钥（Ed25519）：%(key)s") % {"key": public_key_hex()},
            ]
        )
        send_mail(subject, body, None, recipients)
    return checkpoint
