"""Tiered draws get per-tier secret salts (committed, opened to auditors only); one round per
yearly draw of a task, enforced by a partial unique index; the time the broker took a draw.

Existing rounds: `draw_no` numbers a task's rounds that are not redraws in round order (a
redraw takes the number of the round it replaces); rounds not yet drawn get their salts
now, so that no tiered round is drawn without them. Finished rounds keep the unsalted
format they were drawn with (their seed and tickets say so: no salts commitment).
"""

import secrets

import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    import hashlib

    DrawRound = apps.get_model("inspections", "DrawRound")
    numbers: dict[int, int] = {}
    seen: dict[int, int] = {}
    for draw_round in DrawRound.objects.order_by("task_id", "round_no"):
        if draw_round.redraw_of_id is None:
            seen[draw_round.task_id] = seen.get(draw_round.task_id, 0) + 1
            number = seen[draw_round.task_id]
        else:
            number = numbers.get(draw_round.redraw_of_id, 1)
        numbers[draw_round.pk] = number
        fields = {"draw_no": number}
        if draw_round.status != "done":
            salts = {tier: secrets.token_hex(32) for tier in ("A", "B", "C", "D", "none")}
            text = ",".join(f"{t}={salts[t]}" for t in sorted(salts))
            fields |= {"salts": salts, "salts_commitment": hashlib.sha256(text.encode()).hexdigest()}
        DrawRound.objects.filter(pk=draw_round.pk).update(**fields)


class Migration(migrations.Migration):

    dependencies = [
        ('inspections', '0007_result_insert_guards'),
        ('plans', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='drawround',
            name='finished_round_frozen',
        ),
        migrations.AddField(
            model_name='drawround',
            name='draw_no',
            field=models.PositiveSmallIntegerField(default=1, verbose_name='年度第几次抽取'),
        ),
        migrations.AddField(
            model_name='drawround',
            name='enqueued_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='进入队列时间'),
        ),
        migrations.AddField(
            model_name='drawround',
            name='salts',
            field=models.JSONField(blank=True, default=dict, verbose_name='分类盐值'),
        ),
        migrations.AddField(
            model_name='drawround',
            name='salts_commitment',
            field=models.CharField(blank=True, max_length=64, verbose_name='分类盐值承诺值'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        pgtrigger.migrations.AddTrigger(
            model_name='drawround',
            trigger=pgtrigger.compiler.Trigger(name='finished_round_frozen', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."status" = \'done\' AND (OLD."task_id" IS DISTINCT FROM NEW."task_id" OR OLD."round_no" IS DISTINCT FROM NEW."round_no" OR OLD."draw_no" IS DISTINCT FROM NEW."draw_no" OR OLD."status" IS DISTINCT FROM NEW."status" OR OLD."commitment" IS DISTINCT FROM NEW."commitment" OR OLD."secret" IS DISTINCT FROM NEW."secret" OR OLD."salts" IS DISTINCT FROM NEW."salts" OR OLD."salts_commitment" IS DISTINCT FROM NEW."salts_commitment" OR OLD."entropy" IS DISTINCT FROM NEW."entropy" OR OLD."population_digest" IS DISTINCT FROM NEW."population_digest" OR OLD."tiers_digest" IS DISTINCT FROM NEW."tiers_digest" OR OLD."seed" IS DISTINCT FROM NEW."seed" OR OLD."population_size" IS DISTINCT FROM NEW."population_size" OR OLD."counts" IS DISTINCT FROM NEW."counts" OR OLD."population_per_tier" IS DISTINCT FROM NEW."population_per_tier" OR OLD."exclusions" IS DISTINCT FROM NEW."exclusions" OR OLD."population_file" IS DISTINCT FROM NEW."population_file" OR OLD."redraw_of_id" IS DISTINCT FROM NEW."redraw_of_id" OR OLD."finished_at" IS DISTINCT FROM NEW."finished_at"))', func="RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;", hash='2c39cdf52d4b606fe6970c74bb5fca2cf9e5a1a6', operation='UPDATE', pgid='pgtrigger_finished_round_frozen_71bd2', table='inspections_drawround', when='BEFORE')),
        ),
        migrations.AddConstraint(
            model_name='drawround',
            constraint=models.UniqueConstraint(condition=models.Q(('redraw_of__isnull', True)), fields=('task', 'draw_no'), name='draw_round_one_per_draw_no'),
        ),
        migrations.AddConstraint(
            model_name='drawround',
            constraint=models.CheckConstraint(condition=models.Q(('draw_no__gte', 1)), name='draw_round_draw_no_positive'),
        ),
    ]
