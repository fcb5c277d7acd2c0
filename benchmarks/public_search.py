"""Benchmark the public result search on 1,000,000 published results.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/public_search.py --rows 1000000

Creates and migrates its own database (`bench_public_search` when DATABASE_URL names
`postgres`; `--reuse` keeps a loaded one), loads N published results of 10 county bureaus'
plans with realistic enterprise names (region, trade name of 2-3 characters from a pool,
industry word, legal form), then times through the test client, as the public does:
  - a name fragment of one character, two common characters (食品), two rare characters
    (a trade name), a full name, a credit code;
  - no query: the first page, and page 1,000 reached by its cursor;
and, next to them, the bare SQL of the name search without the grams index
(`target_name LIKE '%q%'`, what the search did before) for the two-character queries.
Prints p50/p95 in milliseconds with the load average (the machine is shared). The goal: p95
at most 50 ms for every query.

The rows are loaded with SQL (INSERT … SELECT generate_series) with the foreign keys to visits
and results switched off (`session_replication_role = replica`): the search reads neither.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "bench_public_search"
sys.path.insert(0, str(ROOT))

from benchmarks._pg import own_database_url, recreate_database  # noqa: E402

YEAR = 2026
REGIONS = ["阳城县", "沁水县", "陵川县", "高平市", "泽州县", "晋城市", "城区", "阳泉市", "长治市", "太原市"]
# 400 trade names of two or three characters: common ones repeat, each rare one in ~0.25% of rows.
TRADE_CHARS = "康乐宏盛鑫源恒通华泰永安金鼎瑞丰兴旺福顺德隆昌明东方新世纪天和正大同心晋阳太行沁河凤凰龙腾"
INDUSTRIES = ["食品", "餐饮", "粮油", "加油站", "药房", "建材", "商贸", "农业", "物流", "五金", "超市", "医疗器械"]
FORMS = ["有限公司", "有限责任公司", "股份有限公司", "个体工商户", "专业合作社", "分公司"]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  (n={len(ordered)})"


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm the caches once, as a running server is
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def load(rows: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from plans.models import Plan, PlanStatus, RatioKind, Task
    from registries.models import Department, Level, Region

    started = time.perf_counter()
    city = Region.objects.create(code="140500", name="晋城市", level=Level.CITY)
    tasks = []
    for i in range(10):
        county = Region.objects.create(code=f"1405{21 + i:02d}", name=f"第{i + 1}县", level=Level.COUNTY, parent=city)
        department = Department.objects.create(name=f"第{i + 1}县市场监督管理局", level=Level.COUNTY, region=county)
        plan = Plan.objects.create(
            owner=department,
            year=YEAR,
            title=f"{department.name}{YEAR}年度抽查计划",
            status=PlanStatus.PUBLISHED,
            published_at=timezone.now(),
        )
        for n in range(3):
            tasks.append(
                Task.objects.create(
                    plan=plan,
                    number=n + 1,
                    name=f"第{n + 1}项双随机抽查",
                    ratio_kind=RatioKind.PERCENT,
                    ratio_percent=2,
                )
            )
    task_ids = "ARRAY[" + ",".join(str(t.pk) for t in tasks) + "]"
    trades = [a + b for a in TRADE_CHARS[:20] for b in TRADE_CHARS[20:40]]
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            f"""
            INSERT INTO publicity_publishedresult
              (visit_id, task_id, result_id, version, target_id, target_name, target_code, plan_year, plan_title,
               task_number, task_name, task_type, authority, completed_on, items, result_text, problem_found,
               published_at)
            SELECT g, ({task_ids})[1 + g %% {len(tasks)}], g, 1, g,
                   (%(regions)s::text[])[1 + (g * 7) %% {len(REGIONS)}]
                     || (%(trades)s::text[])[1 + (g::bigint * 7919) %% {len(trades)}]
                     || (%(industries)s::text[])[1 + (g * 31) %% {len(INDUSTRIES)}]
                     || (%(forms)s::text[])[1 + (g * 13) %% {len(FORMS)}],
                   '91140522' || lpad(g::text, 10, '0'), {YEAR}, '抽查计划', 1, '双随机抽查', '发起',
                   '阳城县市场监督管理局', DATE '{YEAR}-01-01' + (g %% 330), '[]', '未发现问题', g %% 10 = 0, now()
            FROM generate_series(1, %(rows)s) AS g
            """,
            {"regions": REGIONS, "trades": trades, "industries": INDUSTRIES, "forms": FORMS, "rows": rows},
        )
        cursor.execute("SET session_replication_role = origin")
        cursor.execute("ANALYZE publicity_publishedresult")
    print(f"loaded {rows:,} published results in {time.perf_counter() - started:.1f}s")


def run(repeat: int) -> None:
    from django.db import connection, reset_queries
    from django.test import Client

    from publicity.models import PublishedResult

    sample = PublishedResult.objects.order_by("pk")[12345 % PublishedResult.objects.count()]
    rare = sample.target_name[len("阳城县") : len("阳城县") + 2]  # a trade name, ~0.25% of rows
    queries = {
        "one character (粮)": "粮",
        "two common characters (食品)": "食品",
        f"two rare characters ({rare})": rare,
        "a full name": sample.target_name,
        "a credit code": sample.target_code,
    }
    client = Client(REMOTE_ADDR="127.0.0.1")
    from django.conf import settings

    settings.SEARCH_RATE = "1000000/m"  # the rate limit is not what is measured

    def get(params: dict[str, str]) -> Callable[[], None]:
        def fetch() -> None:
            response = client.get("/public/results/", params)
            assert response.status_code == 200, response.status_code
            reset_queries()

        return fetch

    def bare_like(q: str) -> Callable[[], None]:
        def fetch() -> None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id FROM publicity_publishedresult WHERE target_name LIKE %s "
                    "ORDER BY completed_on DESC, id DESC LIMIT 31",
                    [f"%{q}%"],
                )
                cursor.fetchall()

        return fetch

    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for label, q in queries.items():
        print(f"search, {label:34s} " + percentiles(timed(get({"q": q}), repeat)))
    print(f"search, {'no query, page 1':34s} " + percentiles(timed(get({}), repeat)))
    rows = PublishedResult.objects.order_by("-completed_on", "-id").values_list("completed_on", "pk")
    day, pk = rows[999 * 30 - 1]
    print(f"search, {'no query, page 1,000 (cursor)':34s} " + percentiles(timed(get({"after": f"{day}.{pk}"}), repeat)))
    for q in ("食品", rare):
        print(f"baseline LIKE '%{q}%' (no grams index)    " + percentiles(timed(bare_like(q), max(3, repeat // 4))))
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database, only time")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = own_database_url(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"), BENCH_DB
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("DJANGO_MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-search-"))

    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    if not args.reuse:
        recreate_database()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        load(args.rows)
    run(args.repeat)


if __name__ == "__main__":
    main()
