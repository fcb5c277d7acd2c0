"""Benchmark the leading-group office's dashboard on 1,000,000 targets and 100,000 visits.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/dashboard.py --targets 1000000

Creates and migrates its own database (`bench_dashboard` when DATABASE_URL names
`postgres`), loads a city of 10 counties and 10 departments with N targets (80% enterprises),
30 tasks (two in three drawn with tiers) whose rounds drew ~110,000 rows, consecutive tasks
sharing some targets, so ~102,000 visits (进一次门): 85% entered with a result (5% late, 10%
with a problem, each problem a follow-up, 60% closed), 8% done awaiting entry, 7% planned;
every entered (visit, task) published. Then times:
  - the live selector `publicity.dashboard.figures` for the whole city and for one department
    (what beat's refresh computes);
  - one beat refresh of every snapshot (`publicity.snapshots.snapshots_refresh`);
  - the full page `/dashboard/` through the test client (`--repeat` times), as the office and
    as a department's staff, reading the snapshots;
and prints p50/p95 in milliseconds, with the load average (the machine is shared). The goal:
p95 under 300 ms for the page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "bench_dashboard"
sys.path.insert(0, str(ROOT))

from benchmarks._pg import own_database_url, recreate_database  # noqa: E402

COUNTIES = 10
TASKS = 30
PER_TASK = 3400  # new targets per task
OVERLAP = 267  # targets a task shares with the next one (merged visits)
YEAR = 2026
TODAY = dt.date.today()  # the page computes "today" itself; the snapshots must be of the same day


def copy_rows(model: Any, fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows into the model's table (explicit ids when "id" is among the fields)."""
    from django.db import connection

    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    n = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    if "id" in fields:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), max(id)) FROM {table}"
            )
    return n


def load(n: int) -> Any:
    """Returns the office user."""
    from django.db import connection, transaction
    from django.utils import timezone

    from inspections.models import (
        DrawnTarget,
        DrawRound,
        FollowUp,
        ItemResult,
        Result,
        RoundStatus,
        Visit,
        VisitCoverage,
        VisitStatus,
    )
    from plans.models import Plan, PlanStatus, RatioKind, Task
    from publicity.models import PublishedResult
    from registries import credit_code
    from registries.models import ChecklistItem, Department, Level, Region, Role, Target, User

    rng = random.Random(1405)
    now = timezone.now()
    started = time.perf_counter()
    city = Region.objects.create(code="140500", name="晋城市", level=Level.CITY)
    counties = [
        Region.objects.create(code=f"1405{21 + i:02d}", name=f"第{i + 1}县", level=Level.COUNTY, parent=city)
        for i in range(COUNTIES)
    ]
    departments = [
        Department.objects.create(name=f"第{i + 1}县市场监督管理局", level=Level.COUNTY, region=counties[i])
        for i in range(COUNTIES)
    ]
    office_dept = Department.objects.create(
        name="晋城市双随机工作领导小组办公室", level=Level.CITY, region=city, is_leading_group_office=True
    )
    office = User.objects.create_user("bench-office", role=Role.OFFICE, department=office_dept)
    staff = User.objects.create_user("bench-staff", role=Role.STAFF, department=departments[0])
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE registries_target DISABLE TRIGGER USER")  # no history rows for a bulk load
        columns = "kind, credit_code, name, region_id, address, industry, status, department_id, "
        columns += "registration_no, created_at, updated_at"
        with cursor.cursor.copy(f"COPY registries_target ({columns}) FROM STDIN") as copy:
            for i in range(n):
                code = credit_code.make(f"91{1405}{i:011d}"[:17])
                kind = "enterprise" if i % 5 else "individual"
                d = i % COUNTIES
                copy.write_row(
                    (kind, code, f"第{i}号商贸有限公司", counties[d].pk, "", "批发和零售业", "active",
                     departments[d].pk, "", now, now)
                )  # fmt: skip
        cursor.execute("ALTER TABLE registries_target ENABLE TRIGGER USER")
    targets = list(Target.objects.order_by("pk").values_list("pk", "credit_code", "name"))
    print(f"loaded {n:,} targets in {time.perf_counter() - started:.1f}s")

    items = [ChecklistItem.objects.create(code=f"SJ-{i:03d}") for i in range(TASKS)]
    plans = [
        Plan.objects.create(
            owner=d, year=YEAR, title=f"{d.name}{YEAR}年度抽查计划", status=PlanStatus.PUBLISHED, published_at=now
        )
        for d in departments
    ]
    tasks = []
    for t in range(TASKS):
        plan = plans[t // 3]
        task = Task.objects.create(
            plan=plan,
            number=t % 3 + 1,
            name=f"第{t + 1}项双随机抽查",
            ratio_kind=RatioKind.PERCENT,
            ratio_percent=2,
            uses_tiers=t % 3 != 2,
            start_month=3,
            end_month=10,
            initiator=plan.owner,
        )
        task.items.add(items[t])
        tasks.append(task)
    # A task in each department never drawn, due since March.
    for plan in plans:
        Task.objects.create(plan=plan, number=9, name="未启动的抽查任务", ratio_kind=RatioKind.PERCENT, start_month=3)

    # Rounds, drawn rows, visits, coverage.
    tiers = "AABBBBBCCD"
    rounds = []
    drawn_rows: list[tuple[Any, ...]] = []
    visit_of_target: dict[int, int] = {}
    visit_rows: list[tuple[Any, ...]] = []
    coverage_rows: list[tuple[int, int]] = []
    drawn_id = 0
    for t, task in enumerate(tasks):
        chosen = targets[t * PER_TASK : t * PER_TASK + PER_TASK + OVERLAP]
        counts: dict[str, int] = {}
        for target_id, _code, _name in chosen:
            tier = tiers[target_id % len(tiers)] if task.uses_tiers else "-"
            counts[tier] = counts.get(tier, 0) + 1
        population = {k: v * 50 for k, v in counts.items()}
        draw_round = DrawRound.objects.create(
            task=task,
            round_no=1,
            status=RoundStatus.DONE,
            commitment="0" * 64,
            secret="1" * 64,
            seed="2" * 64,
            uses_tiers=task.uses_tiers,
            population_size=sum(population.values()),
            population_per_tier=population,
            counts=counts,
            started_by=staff,
            finished_at=now,
        )
        rounds.append(draw_round)
        for rank, (target_id, code, _name) in enumerate(chosen, start=1):
            drawn_id += 1
            tier = tiers[target_id % len(tiers)] if task.uses_tiers else "-"
            drawn_rows.append((drawn_id, draw_round.pk, target_id, code, tier, f"{drawn_id:064x}", rank))
            visit_id = visit_of_target.get(target_id)
            if visit_id is None:
                visit_id = len(visit_rows) + 1
                visit_of_target[target_id] = visit_id
                roll = rng.random()
                status = (
                    VisitStatus.ENTERED if roll < 0.85 else VisitStatus.DONE if roll < 0.93 else VisitStatus.PLANNED
                )
                visited = dt.date(YEAR, 3, 1) + dt.timedelta(days=rng.randint(0, 230)) if status != "planned" else None
                deadline = visited + dt.timedelta(days=28) if visited else None
                visit_rows.append(
                    (visit_id, target_id, dt.date(YEAR, 3, 1), dt.date(YEAR, 10, 31), status, visited, deadline,
                     False, now)
                )  # fmt: skip
            coverage_rows.append((visit_id, drawn_id))
    copy_rows(DrawnTarget, ["id", "round", "target", "key", "tier", "ticket", "rank"], drawn_rows)
    copy_rows(
        Visit,
        ["id", "target", "period_start", "period_end", "status", "visited_on", "entry_deadline",
         "deadline_provisional", "created_at"],
        visit_rows,
    )  # fmt: skip
    copy_rows(VisitCoverage, ["visit", "drawn"], coverage_rows)
    print(f"{len(drawn_rows):,} drawn rows, {len(visit_rows):,} visits in {time.perf_counter() - started:.1f}s")

    # Results (entered visits), item results, publications, follow-ups.
    target_info = {pk: (code, name) for pk, code, name in targets[: TASKS * PER_TASK + OVERLAP]}
    tasks_of_visit: dict[int, list[int]] = {}
    round_task = {r.pk: r.task_id for r in rounds}
    for drawn in drawn_rows:
        visit_id = visit_of_target[drawn[2]]
        tasks_of_visit.setdefault(visit_id, []).append(round_task[drawn[1]])
    task_by_id = {t.pk: t for t in tasks}
    result_rows, item_rows, published_rows, follow_rows = [], [], [], []
    item_id = 0
    for visit in visit_rows:
        visit_id, target_id, _s, _e, status, visited, deadline = visit[:7]
        if status != VisitStatus.ENTERED:
            continue
        problem = rng.random() < 0.10
        late = rng.random() < 0.05
        result_rows.append((visit_id, visit_id, 1, visited, "", problem, deadline, False, late, office.pk, now, ""))
        code, name = target_info[target_id]
        for task_id in tasks_of_visit[visit_id]:
            item_id += 1
            task = task_by_id[task_id]
            item_rows.append((item_id, visit_id, task_id, items[tasks.index(task)].pk, problem))
            published_rows.append(
                (visit_id, task_id, visit_id, 1, target_id, name, code, YEAR, task.plan.title, task.number,
                 task.name, "内部", task.plan.owner.name, visited,
                 json.dumps([{"item": "检查事项", "categories": ["未发现问题"]}], ensure_ascii=False),
                 "未发现问题", problem, now)
            )  # fmt: skip
            if problem:
                closed = rng.random() < 0.6
                follow_rows.append(
                    (item_id, visit_id, target_id, task_id, task.initiator_id, "closed" if closed else "open",
                     visited + dt.timedelta(days=30), "已整改" if closed else "", now, now if closed else None)
                )  # fmt: skip
    # One transaction, as result_submit writes them: a later one may not add items to a result.
    with transaction.atomic():
        copy_rows(
            Result,
            ["id", "visit", "version", "completed_on", "findings", "problem_found", "deadline",
             "deadline_provisional", "entered_late", "entered_by", "entered_at", "correction_reason"],
            result_rows,
        )  # fmt: skip
        copy_rows(ItemResult, ["id", "result", "task", "item", "problem_found"], item_rows)
    copy_rows(
        PublishedResult,
        ["visit", "task", "result", "version", "target", "target_name", "target_code", "plan_year", "plan_title",
         "task_number", "task_name", "task_type", "authority", "completed_on", "items", "result_text",
         "problem_found", "published_at"],
        published_rows,
    )  # fmt: skip
    copy_rows(
        FollowUp,
        ["item_result", "visit", "target", "task", "department", "status", "due_on", "outcome", "opened_at",
         "closed_at"],
        follow_rows,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"{len(result_rows):,} results, {len(published_rows):,} publications, {len(follow_rows):,} follow-ups; "
        f"loaded in {time.perf_counter() - started:.1f}s"
    )
    return office


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms  (n={len(ordered)})"


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm the caches once, as a running server is
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def run(repeat: int) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from publicity.dashboard import figures
    from publicity.snapshots import snapshots_refresh
    from registries.models import Department, User

    office = User.objects.get(username="bench-office")
    staff = User.objects.get(username="bench-staff")
    department = Department.objects.get(pk=staff.department_id)
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with CaptureQueriesContext(connection) as queries:
        f = figures(year=YEAR, today=TODAY)
    t = f.total
    print(
        f"figures: {t.tasks_planned} tasks, {t.drawn:,} drawn, {t.visits_done:,} visits done, "
        f"{t.visits_saved:,} saved, coverage {t.coverage}%, entry {t.entry_rate}%, publicity {t.publicity_rate}%, "
        f"{len(queries.captured_queries)} queries"
    )
    live = max(3, repeat // 8)
    print("live selector, city:       " + percentiles(timed(lambda: figures(year=YEAR, today=TODAY), live)))
    print(
        "live selector, department: "
        + percentiles(timed(lambda: figures(year=YEAR, today=TODAY, department=department), live))
    )
    started = time.perf_counter()
    n = snapshots_refresh(today=TODAY)
    print(f"beat refresh of {n} snapshots: {time.perf_counter() - started:.2f}s")

    def page(user: Any) -> Callable[[], None]:
        client = Client()
        client.force_login(user)

        def get() -> None:
            response = client.get(f"/dashboard/?year={YEAR}")
            assert response.status_code == 200, response.status_code
            reset_queries()

        return get

    User.objects.filter(pk__in=[office.pk, staff.pk]).update(password_changed_at=dt.datetime.now(dt.UTC))
    print("page /dashboard/, office:  " + percentiles(timed(page(office), repeat)))
    print("page /dashboard/, staff:   " + percentiles(timed(page(staff), repeat)))
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database, only time")
    args = parser.parse_args()
    if args.targets < TASKS * PER_TASK + OVERLAP:
        sys.exit(f"--targets must be at least {TASKS * PER_TASK + OVERLAP:,}")
    os.environ["DATABASE_URL"] = own_database_url(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"), BENCH_DB
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("DJANGO_MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-dashboard-"))

    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    if not args.reuse:
        recreate_database()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        load(args.targets)
    run(args.repeat)


if __name__ == "__main__":
    main()
