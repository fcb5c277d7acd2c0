"""Benchmark one draw round over 1,000,000 targets in scope on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/draw_round.py --targets 1000000

Creates and migrates its own database (the one DATABASE_URL names, `bench_draws` when it
names `postgres`) on that server, loads a
city (10 counties) with N enterprises (valid credit codes, tiers A 40% / B 50% / C 8% /
D 2%) and 40 officers per county, then times:
  - the round (`draw_round_run`): freeze the scope (one query), draw, store the drawn rows,
    the three files, visits, and match a team to every drawn target, all in one transaction;
  - its verification (`verify_round`, what `manage.py verify_draw` runs);
  - a bare `ORDER BY md5(seed || credit_code) LIMIT k` in PostgreSQL over the same rows.
The goal on the 2-core machine: the round within 5 s, the verification within 3 s.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "bench_draws"
sys.path.insert(0, str(ROOT))

from benchmarks._pg import own_database_url, recreate_database  # noqa: E402

COUNTIES = 10
OFFICERS_PER_COUNTY = 40


def load(n: int) -> tuple[object, object]:
    """The city, its counties, the department, N targets with tiers, officers, a tiered task."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from credit_risk.models import TierPolicy
    from plans.models import Plan, PlanStatus, RatioKind, Task
    from registries import credit_code
    from registries.models import Department, Inspector, Level, Region, Role, User

    city = Region.objects.create(code="140500", name="晋城市", level=Level.CITY)
    counties = [
        Region.objects.create(code=f"1405{21 + i:02d}", name=f"第{i + 1}县", level=Level.COUNTY, parent=city)
        for i in range(COUNTIES)
    ]
    amr = Department.objects.create(name="晋城市市场监督管理局", level=Level.CITY, region=city)
    user = User.objects.create_user("bench", role=Role.STAFF, department=amr)
    now = timezone.now()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE registries_target DISABLE TRIGGER USER")  # no history rows for a bulk load
        columns = "kind, credit_code, name, region_id, address, industry, status, department_id, "
        columns += "registration_no, created_at, updated_at"
        with cursor.cursor.copy(f"COPY registries_target ({columns}) FROM STDIN") as copy:
            for i in range(n):
                code = credit_code.make(f"91{1405}{i:011d}"[:17])
                copy.write_row(
                    (
                        "enterprise",
                        code,
                        f"第{i}号商贸有限公司",
                        counties[i % COUNTIES].pk,
                        "",
                        "批发和零售业",
                        "active",
                        amr.pk,
                        "",
                        now,
                        now,
                    )
                )
        cursor.execute("ALTER TABLE registries_target ENABLE TRIGGER USER")
        cursor.execute(
            """
            INSERT INTO credit_risk_tierassessment (target_id, tier, source, source_detail, assessed_on, reason,
                                                    created_at)
            SELECT id, CASE WHEN id %% 50 = 0 THEN 'D' WHEN id %% 50 < 5 THEN 'C' WHEN id %% 50 < 30 THEN 'B'
                            ELSE 'A' END, 'import', '', %s, '', now()
            FROM registries_target
            """,
            [dt.date(2026, 1, 5)],
        )
        cursor.execute(
            "INSERT INTO credit_risk_currenttier (target_id, tier, assessment_id, assessed_on) "
            "SELECT target_id, tier, id, assessed_on FROM credit_risk_tierassessment"
        )
        # As autovacuum would after a bulk load: otherwise the first scan of the round pays for
        # setting hint bits on every page of a freshly loaded table (seconds of writes).
        cursor.execute("VACUUM ANALYZE")
    print(f"loaded {n:,} targets with tiers in {time.perf_counter() - started:.1f}s")
    Inspector.objects.bulk_create(
        Inspector(
            name=f"执法人员{c}-{i}",
            department=amr,
            region=county,
            certificate_no=f"1405{c:02d}{i:06d}",
            certificate_valid_until=dt.date(2030, 1, 1),
            id_number="140522198001011234",
            phone="13935612345",
        )
        for c, county in enumerate(counties)
        for i in range(OFFICERS_PER_COUNTY)
    )
    # The province preset: 低 1%, 一般 2%, 较高 10%, 高 30%.
    policy = TierPolicy.objects.create(
        name="省级预设",
        rules={
            "A": {"weight": "0.5"},
            "B": {"weight": "1"},
            "C": {"weight": "5"},
            "D": {"weight": "15"},
            "none": {"weight": "1"},
        },
    )
    plan = Plan.objects.create(owner=amr, year=2026, title="2026年度抽查计划", status=PlanStatus.PUBLISHED)
    task = Task.objects.create(
        plan=plan,
        number=1,
        name="全市企业信用风险分类抽查",
        scope_kinds=["enterprise"],
        scope_region=city,
        ratio_kind=RatioKind.PERCENT,
        ratio_percent=2,
        times_per_year=1,
        uses_tiers=True,
        policy=policy,
        start_month=3,
        end_month=10,
        initiator=amr,
    )
    return task, user


def run(task: object, user: object, repeat: int) -> None:
    from django.db import connection

    from inspections.models import DrawnTarget, DrawRound, RoundStatus
    from inspections.services.draws import draw_round_open, draw_round_run
    from inspections.verification import verify_round

    draw_round = draw_round_open(task=task, user=user, out_of_window_reason="基准测试")  # type: ignore[arg-type]
    DrawRound.objects.filter(pk=draw_round.pk).update(status=RoundStatus.QUEUED, entropy="2026112 05 11 23")
    # The machine is shared: the figures mean little without the load they were measured under.
    print("load average before the round: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    started = time.perf_counter()
    draw_round = draw_round_run(round_id=draw_round.pk)
    round_s = time.perf_counter() - started
    assert draw_round.status == RoundStatus.DONE, draw_round.error
    k = DrawnTarget.objects.filter(round=draw_round).count()
    teams = DrawnTarget.objects.filter(round=draw_round, team__isnull=False).distinct().count()
    print(
        f"round:        {round_s:6.2f}s  {draw_round.population_size:,} in scope, {k:,} drawn "
        f"{draw_round.counts}, {teams:,} teams, {len(draw_round.matching_problems)} unmatched"
    )
    for _ in range(repeat):
        started = time.perf_counter()
        verdict = verify_round(draw_round)
        print(f"verification: {time.perf_counter() - started:6.2f}s  ok={verdict.ok} {verdict.problems}")

    sql = (
        "SELECT t.credit_code FROM registries_target t JOIN registries_region r ON r.id = t.region_id "
        "WHERE t.status = 'active' AND t.kind = 'enterprise' AND (r.id = %s OR r.parent_id = %s) "
        "ORDER BY md5(%s || t.credit_code) LIMIT %s"
    )
    region = task.scope_region_id  # type: ignore[attr-defined]
    for _ in range(repeat):
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(sql, [region, region, draw_round.seed, k])
            rows = cursor.fetchall()
            print(f"bare md5 SQL: {time.perf_counter() - started:6.2f}s  LIMIT {len(rows):,}")
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database, draw a new task")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = own_database_url(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"), BENCH_DB
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("DJANGO_MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-draws-"))

    import django

    django.setup()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("inspections").setLevel(logging.INFO)
    if args.reuse:
        task, user = new_task()
    else:
        recreate_database()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        task, user = load(args.targets)
    run(task, user, args.repeat)


def new_task() -> tuple[object, object]:
    """A copy of the loaded task under a new number: another draw over the same rows."""
    from plans.models import Task

    task = Task.objects.order_by("-number").first()
    assert task is not None, "nothing loaded: run without --reuse first"
    task.pk = None
    task.number += 1
    task.save()
    assert task.initiator is not None
    return task, task.plan.created_by or task.initiator.users.first()


if __name__ == "__main__":
    main()
