"""Benchmark one task's per-tier scope counts and allocation on a registry of 1,000,000 targets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/tier_counts.py [--rows 1000000] [--reuse]

Creates and migrates its own database `bench_tier_counts` on the server of DATABASE_URL
(`--reuse` keeps an already loaded one), loads the targets, their tags and current tiers
with COPY (A 60%, B 25%, C 10%, D 5% of the classified; 15% unclassified; 10% cancelled),
then times `plans.selectors.task_allocation` (one GROUP BY over the task's scope, then the
pure allocation) for a tag-scoped task and for a county-wide one, and prints the times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "bench_tier_counts"
sys.path.insert(0, str(ROOT))

from benchmarks._pg import prepare_database, urls  # noqa: E402


def _copy(cursor, table: str, columns: list[str], rows) -> None:  # type: ignore[no-untyped-def]
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load(rows: int) -> None:
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from credit_risk.models import CurrentTier, TierAssessment
    from registries import credit_code
    from registries.models import Department, Level, Region, Tag, Target

    region = Region.objects.create(code="140522", name="阳城县", level=Level.COUNTY)
    department = Department.objects.create(
        name="阳城县市场监督管理局", short_name="县市场监管局", level=Level.COUNTY, region=region
    )
    tag = Tag.objects.create(name="粮食收购企业")
    now = timezone.now()
    today = dt.date(2026, 9, 30)

    # Every concrete column of Target, filled from a model instance, so new fields keep working.
    fields = [f for f in Target._meta.concrete_fields if not f.primary_key]
    columns = ["id", *(f.column for f in fields)]

    def target_rows():  # type: ignore[no-untyped-def]
        for n in range(1, rows + 1):
            target = Target(
                credit_code=credit_code.make(f"91140522{n:09d}"),
                name=f"阳城县第{n}号商贸有限公司",
                region=region,
                department=department,
                address=f"阳城县凤城镇新阳东街{n % 997}号",
                industry="批发和零售业",
                status="cancelled" if n % 10 == 0 else "active",
                created_at=now,
                updated_at=now,
            )
            yield [n, *(f.get_db_prep_save(getattr(target, f.attname), connection) for f in fields)]

    def tier_of(n: int) -> str | None:
        bucket = (n * 7919) % 100  # spread tiers over ids
        if bucket < 15:
            return None
        bucket -= 15
        return "A" if bucket < 51 else "B" if bucket < 72 else "C" if bucket < 80 else "D"

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {Target._meta.db_table} DISABLE TRIGGER USER")  # no history rows for a load
        raw = cursor.cursor
        _copy(raw, Target._meta.db_table, columns, target_rows())
        _copy(
            raw,
            Target.tags.through._meta.db_table,
            ["target_id", "tag_id"],
            ([n, tag.pk] for n in range(1, rows + 1) if n % 3 == 0),
        )
        classified = [(n, t) for n in range(1, rows + 1) if (t := tier_of(n))]
        _copy(
            raw,
            TierAssessment._meta.db_table,
            ["id", "target_id", "tier", "source", "source_detail", "assessed_on", "reason", "created_at"],
            ([i, n, t, "import", "benchmark", today, "", now] for i, (n, t) in enumerate(classified, start=1)),
        )
        _copy(
            raw,
            CurrentTier._meta.db_table,
            ["target_id", "tier", "assessment_id", "assessed_on"],
            ([n, t, i, today] for i, (n, t) in enumerate(classified, start=1)),
        )
        cursor.execute(f"ALTER TABLE {Target._meta.db_table} ENABLE TRIGGER USER")
        for model in (Target, Target.tags.through, TierAssessment, CurrentTier):
            table = model._meta.db_table
            if model is not CurrentTier:  # the others have an id sequence to move past the copied ids
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            cursor.execute(f"ANALYZE {table}")
    print(f"loaded {rows:,} targets in {time.perf_counter() - started:.1f} s")


def time_task(label: str, task, repeat: int) -> None:  # type: ignore[no-untyped-def]
    from credit_risk.allocation import describe
    from plans.selectors import task_allocation

    times = []
    allocation = None
    for _ in range(repeat):
        started = time.perf_counter()
        allocation = task_allocation(task)
        times.append(time.perf_counter() - started)
    assert allocation is not None
    print(f"{label}: {allocation.total_population:,} objects in scope")
    print(f"  {describe(allocation)}")
    median, best = statistics.median(times) * 1000, min(times) * 1000
    print(f"  per-tier counts + allocation: median {median:.0f} ms, best {best:.0f} ms ({repeat} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded benchmark database")
    args = parser.parse_args()

    admin_url, bench_url = urls(os.environ.get("DATABASE_URL", ""), BENCH_DB)
    fresh = prepare_database(admin_url, BENCH_DB, reuse=args.reuse)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    if fresh:
        call_command("migrate", verbosity=0)
        load(args.rows)

    from credit_risk.models import TierPolicy
    from plans.models import Plan, Task
    from registries.models import Department, Region, Tag

    department = Department.objects.get(name="阳城县市场监督管理局")
    Plan.objects.filter(owner=department).delete()
    plan = Plan.objects.create(owner=department, year=2026, title="基准测试计划")
    policy = TierPolicy.objects.get(name="市级分档区间")
    common = {"plan": plan, "ratio_kind": "percent", "ratio_percent": 5, "uses_tiers": True, "policy": policy}
    tagged = Task.objects.create(
        number=1, name="粮食收购企业抽查", scope_region=Region.objects.get(code="140522"), **common
    )
    tagged.scope_tags.add(Tag.objects.get(name="粮食收购企业"))
    county = Task.objects.create(
        number=2, name="全县企业抽查", scope_region=Region.objects.get(code="140522"), **common
    )
    time_task("task scoped by tag and region", tagged, args.repeat)
    time_task("task scoped by region (all active targets)", county, args.repeat)


if __name__ == "__main__":
    main()
