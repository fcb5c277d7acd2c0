"""Benchmark finding likely duplicates (`duplicates_flag`) on a registry of 1,000,000 targets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/duplicates_flag.py [--rows 1000000] [--reuse]

Creates and migrates its own database `bench_duplicates` on the server of DATABASE_URL
(`--reuse` keeps an already loaded one) and loads the targets with COPY: 60% carry an old
15-digit registration number, and 1 in 1,000 has a planted twin (an old record without a
credit code: half share the registration number, half the name and address typed with
spaces and full-width digits). Then times a first run (which flags every planted pair), a
second run (which must find nothing new), and a run for one department.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "bench_duplicates"
sys.path.insert(0, str(ROOT))

from benchmarks._pg import prepare_database, urls  # noqa: E402

FULL_WIDTH = {ord(d): chr(ord(d) + 0xFEE0) for d in "0123456789"}


def load(rows: int) -> int:
    """Load `rows` targets plus their planted twins; return the number of planted pairs."""
    from django.db import connection
    from django.utils import timezone

    from registries import credit_code
    from registries.demo import organisation_code, registration_number
    from registries.models import Department, Level, Region, Target

    region = Region.objects.create(code="140522", name="阳城县", level=Level.COUNTY)
    departments = [
        Department.objects.create(name=name, level=Level.COUNTY, region=region)
        for name in ("阳城县市场监督管理局", "阳城县发展和改革局", "阳城县消防救援大队")
    ]
    now = timezone.now()
    fields = [f for f in Target._meta.concrete_fields if not f.primary_key]
    columns = ["id", *(f.column for f in fields)]
    planted = 0

    def row(pk: int, target: Target) -> list[object]:
        return [pk, *(f.get_db_prep_save(getattr(target, f.attname), connection) for f in fields)]

    def target_rows():  # type: ignore[no-untyped-def]
        nonlocal planted
        pk = 0
        for n in range(1, rows + 1):
            department = departments[0] if n % 10 else departments[n // 10 % 3]
            target = Target(
                credit_code=credit_code.make(f"92140522{organisation_code(n)}"),
                registration_no=registration_number("140522", n) if n % 5 < 3 else "",
                name=f"阳城县凤城镇第{n}号便利店",
                region=region,
                department=department,
                address=f"山西省晋城市阳城县凤城镇新阳东街{n % 4999}号{n // 4999}室",
                status="active",
                created_at=now,
                updated_at=now,
            )
            pk += 1
            yield row(pk, target)
            if n % 1000 == 0:
                planted += 1
                by_number = n % 2000 == 0 and target.registration_no
                twin = Target(
                    credit_code=None,
                    identifier=f"JYXK-{n}",
                    registration_no=target.registration_no if by_number else "",
                    name=target.name if by_number else target.name.replace("阳城县", "阳城县 "),
                    region=region,
                    department=department,
                    address="" if by_number else target.address.translate(FULL_WIDTH),
                    status="active",
                    created_at=now,
                    updated_at=now,
                )
                pk += 1
                yield row(pk, twin)

    started = time.perf_counter()
    table = Target._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")  # no history rows for a load
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for values in target_rows():
                copy.write_row(values)
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cursor.execute(f"ANALYZE {table}")
    print(f"loaded {rows:,} targets and {planted:,} planted twins in {time.perf_counter() - started:.1f} s")
    return planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
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

    from registries.models import Department, DuplicateFlag, Target
    from registries.services.duplicates import duplicates_flag

    DuplicateFlag.objects.all().delete()
    total = Target.objects.count()
    for label in ("first run", "second run (idempotent)"):
        started = time.perf_counter()
        found = duplicates_flag()
        print(f"{label}: {found:,} new flags over {total:,} targets in {time.perf_counter() - started:.2f} s")
    department = Department.objects.get(name="阳城县发展和改革局")
    started = time.perf_counter()
    found = duplicates_flag(department=department)
    print(
        f"one department ({department.targets.count():,} targets): {found} new in {time.perf_counter() - started:.2f} s"
    )


if __name__ == "__main__":
    main()
