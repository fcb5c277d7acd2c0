"""Benchmark the target registry import on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/import_targets.py --rows 100000

Generates benchmarks/data/targets-<N>.xlsx (valid credit codes; ignored by git) and a variant
with every address changed, creates and migrates its own database `bench_shuangsuiji` on the
server of DATABASE_URL, then prints rows/s for:
  - ours:     parse + validate every row + COPY/upsert (the path of the pages and commands),
              for new rows, the same file again (unchanged) and the changed file (updates),
              with and without the pghistory triggers on Target;
  - die:      django-import-export's default path (TargetResource.import_data), on a sample
              (--die-rows, it is two orders of magnitude slower);
  - raw COPY: COPY of the same already-validated rows straight into the table (the floor).

The workbooks are generated once and cached in benchmarks/data/. A single measurement is quick:

    .venv/bin/python benchmarks/import_targets.py --rows 100000 --only ours --no-history-variant

(--only parse|ours|copy|die, repeatable; --db names the database to recreate, so two people
can measure at once on one server.)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
BENCH_DB = "bench_shuangsuiji"
sys.path.insert(0, str(ROOT))


MEASUREMENTS = ("parse", "ours", "copy", "die")


def bench_url(url: str, db: str) -> tuple[str, str]:
    parts = urlparse(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL must point at a PostgreSQL server")
    admin = urlunparse(parts._replace(path="/postgres"))
    return admin, urlunparse(parts._replace(path=f"/{db}"))


def recreate_database(admin_url: str, db: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(db)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))


def generate(rows: int, *, variant: str = "") -> Path:
    """A bureau-shaped workbook: title row, header, `rows` targets with valid credit codes."""
    from openpyxl import Workbook

    from registries import credit_code
    from registries.importing.targets import HEADERS

    path = DATA / f"targets-{rows}{variant}.xlsx"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("检查对象")
    sheet.append(["阳城县检查对象名录库（基准测试）"])
    sheet.append(list(HEADERS.values()))
    kinds = ["企业", "企业", "企业", "个体工商户", "农民专业合作社"]
    prefix = {"企业": "91", "个体工商户": "92", "农民专业合作社": "93"}
    tags = ["粮食收购企业", "加油站；危险化学品经营", "食品生产企业", "", "特种设备使用单位"]
    statuses = ["存续"] * 9 + ["注销"]
    for n in range(rows):
        kind = kinds[n % 5]
        body = f"{prefix[kind]}140522{n:09d}"
        sheet.append(
            [
                credit_code.make(body),
                f"阳城县第{n}号{'商贸有限公司' if kind == '企业' else '经营部'}",
                kind,
                "阳城县",
                f"阳城县凤城镇{variant or '新阳东'}街{n % 997}号",
                "批发和零售业",
                tags[n % 5],
                statuses[n % 10],
                f"20{10 + n % 15}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "",
                "",
            ]
        )
    workbook.save(path)
    print(f"generated {path.name} in {time.perf_counter() - started:.1f}s")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="rows per file (default: 100000 and 1000000)")
    parser.add_argument("--die-rows", type=int, default=5000, help="sample size for django-import-export")
    parser.add_argument(
        "--only",
        choices=MEASUREMENTS,
        action="append",
        help="run only these measurements (repeatable; default: all of " + ", ".join(MEASUREMENTS) + ")",
    )
    parser.add_argument("--no-history-variant", action="store_true", help="skip the runs without history triggers")
    parser.add_argument("--db", default=BENCH_DB, help=f"database to (re)create for the run (default {BENCH_DB})")
    args = parser.parse_args()
    sizes = args.rows or [100_000, 1_000_000]

    admin_url, url = bench_url(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"), args.db)
    recreate_database(admin_url, args.db)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["IMPORT_MAX_ROWS"] = str(max(sizes) + 10)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run(sizes, args.die_rows, only=set(args.only or MEASUREMENTS), history_variant=not args.no_history_variant)


def run(sizes: list[int], die_rows: int, *, only: set[str], history_variant: bool) -> None:
    import resource

    from django.db import connection, transaction

    from registries.importing import targets as target_import
    from registries.models import Department, Level, Region
    from registries.services.imports import targets_import

    region = Region.objects.create(code="140522", name="阳城县", level=Level.COUNTY)
    department = Department.objects.create(name="阳城县市场监督管理局", level=Level.COUNTY, region=region)

    def reset() -> None:
        with connection.cursor() as cur:
            cur.execute("TRUNCATE registries_target, registries_target_tags, registries_targetevent CASCADE")

    def triggers(enabled: bool) -> None:
        with connection.cursor() as cur:
            cur.execute(f"ALTER TABLE registries_target {'ENABLE' if enabled else 'DISABLE'} TRIGGER USER")

    def ours(path: Path, label: str, n: int) -> None:
        backend = server_cpu()
        started, cpu = time.perf_counter(), time.process_time()
        result = targets_import(path=path, department=department)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        backend = server_cpu() - backend
        assert not result.errors, result.errors[:3]
        print(
            f"  ours  {label:<28} {n / elapsed:>10,.0f} rows/s  ({elapsed:6.1f}s; "
            f"new {result.created}, updated {result.updated}, unchanged {result.unchanged}; "
            f"CPU s: python {cpu:.1f}, postgres {backend:.1f})"
        )

    def server_cpu() -> float:
        """CPU seconds used so far by this connection's PostgreSQL backend (a local server), else 0.

        On a busy machine wall time says little; CPU time per process does not depend on the load.
        """
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            (pid,) = cur.fetchone()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    for n in sizes:
        plain = generate(n)
        changed = generate(n, variant="-changed") if "ours" in only else plain
        print(f"\n== {n:,} rows ({plain.stat().st_size / 1e6:.1f} MB xlsx) ==")
        if "parse" in only or "copy" in only:
            started = time.perf_counter()
            parsed = target_import.parse_targets(plain, department=department)
            parse_s = time.perf_counter() - started
            print(f"  parse+validate only                {n / parse_s:>10,.0f} rows/s  ({parse_s:6.1f}s)")

        if "ours" in only:
            for history in (True, False) if history_variant else (True,):
                reset()
                triggers(history)
                tag = "with pghistory" if history else "no history triggers"
                ours(plain, f"new rows, {tag}", n)
                ours(plain, f"same file again, {tag}", n)
                ours(changed, f"changed rows, {tag}", n)
            triggers(True)

        if "copy" in only:
            reset()
            with transaction.atomic():
                started = time.perf_counter()
                target_import.copy_stage(parsed.rows)
                with connection.cursor() as cur:
                    cur.execute(
                        """
                        INSERT INTO registries_target (kind, credit_code, identifier, registration_no, name,
                            region_id, address, industry, status, established_on, department_id, created_at,
                            updated_at)
                        SELECT kind, credit_code, identifier, registration_no, name, region_id, address, industry,
                            status, established_on, %s, now(), now() FROM target_stage
                        """,
                        [department.pk],
                    )
                copy_s = time.perf_counter() - started
            print(f"  raw COPY of validated rows (+insert) {n / copy_s:>8,.0f} rows/s  ({copy_s:6.1f}s, triggers on)")

        if "die" in only:
            reset()
            die(plain, die_rows, department)
        print(f"  peak RSS so far: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
        reset()


def die(plain: Path, die_rows: int, department: object) -> None:
    import tablib

    from registries.importing.workbook import read_sheet
    from registries.resources import TargetResource

    sample = read_sheet(plain)[1 : die_rows + 2]
    headers = [str(h) for h in sample[0]]
    dataset = tablib.Dataset(headers=[*headers, "维护部门"])
    kinds = {"企业": "enterprise", "个体工商户": "individual", "农民专业合作社": "cooperative"}
    for row in sample[1:]:
        values = list(row)
        values[3] = "140522"  # the resource's region widget reads codes
        values[2] = kinds[str(values[2])]
        values[7] = "active" if values[7] == "存续" else "cancelled"
        dataset.append([*values, department.name])  # type: ignore[attr-defined]
    started = time.perf_counter()
    result = TargetResource().import_data(dataset, dry_run=False, use_transactions=True)
    die_s = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors():
        invalid = result.invalid_rows[:1]
        errors = [e.error for _, row_errors in result.row_errors()[:1] for e in row_errors]
        print(f"  django-import-export rejected rows: {[i.error_dict for i in invalid]} {errors}")
    print(
        f"  django-import-export default path  {len(dataset) / die_s:>10,.0f} rows/s  "
        f"({die_s:6.1f}s for a sample of {len(dataset):,} new rows)"
    )


if __name__ == "__main__":
    main()
