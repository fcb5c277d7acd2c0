"""The audit chain becomes keyed (HMAC-SHA256 with settings.AUDIT_HMAC_KEY).

Rows written before stay as they are (`keyed` false, plain SHA-256: the append-only trigger
forbids rewriting them, and rewriting would destroy the evidence). This migration seals
them: it appends one keyed row, `audit.chain_keyed`, chained to the last unkeyed row and
naming how many there are. From then on an unkeyed row after a keyed one is a break, and
changing any earlier row changes the head the sealing row's HMAC covers, which nobody
without the key can recompute. Take a checkpoint right after (`manage.py audit_checkpoint`).
"""

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings
from django.utils import timezone

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


def seal_unkeyed_chain(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Append the keyed `audit.chain_keyed` row after the unkeyed rows (nothing on an empty trail)."""
    AuditEvent = apps.get_model("registries", "AuditEvent")
    using = schema_editor.connection.alias
    rows = AuditEvent.objects.using(using)
    if rows.filter(keyed=True).exists() or not rows.exists():
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x5A5A_0003])  # registries.audit.AUDIT_CHAIN_LOCK
    last = rows.order_by("-seq").first()
    now = timezone.now()
    legacy = rows.filter(keyed=False).count()
    detail = {"unkeyed_rows": legacy, "unkeyed_head": last.hash}
    # The same canonical form as AuditEvent.canonical() at this migration.
    payload = {
        "seq": last.seq + 1,
        "created_at": now.astimezone(UTC).isoformat(),
        "actor_id": None,
        "actor_username": "migration",
        "ip": "",
        "action": "audit.chain_keyed",
        "content_type": "",
        "object_id": "",
        "object_repr": "",
        "success": True,
        "detail": detail,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hmac.new(str(settings.AUDIT_HMAC_KEY).encode(), (last.hash + canonical).encode(), hashlib.sha256)
    AuditEvent.objects.using(using).create(
        seq=last.seq + 1,
        created_at=now,
        actor_username="migration",
        action="audit.chain_keyed",
        detail=detail,
        prev_hash=last.hash,
        hash=digest.hexdigest(),
        keyed=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('registries', '0007_checklist_item_note_and_extra'),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='auditevent',
            name='no_truncate',
        ),
        migrations.AddField(
            model_name='auditevent',
            name='keyed',
            field=models.BooleanField(default=False, verbose_name='密钥签名'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='auditevent',
            trigger=pgtrigger.compiler.Trigger(name='no_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(func="IF coalesce(current_setting('ssj.allow_truncate', true), '') = 'on' AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN RETURN NULL; END IF; RAISE EXCEPTION 'pgtrigger: Cannot truncate % table', TG_TABLE_NAME;", hash='dde2236aab6765e5346771dc5dd26f221f0d67d2', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_no_truncate_3faa5', table='registries_auditevent', when='BEFORE')),
        ),
        migrations.RunPython(seal_unkeyed_chain, migrations.RunPython.noop),
    ]
