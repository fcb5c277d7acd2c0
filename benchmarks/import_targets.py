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

The workbooks are generated once (the sheet XML streamed into the zip: seconds, not the
minutes openpyxl needs for a million rows) and cached in benchmarks/data/. Each line of ours
gives its CPU seconds (this process, its PostgreSQL backend) and the load average: on a busy
machine the wall-clock figures say little. A single measurement is quick:

    .venv/bin/python benchmarks/import_targets.py --rows 100000 --only ours --no-history-variant

(--only parse|ours|copy|die, repeatable; --format xlsx|csv|xls, repeatable, default xlsx and csv: the
CSV is GB18030, the .xls holds at most 65,534 rows; --db names the database to recreate, so two people
can measure at once on one server.)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
BENCH_DB = "bench_shuangsuiji"
sys.path.insert(0, str(ROOT))


MEASUREMENTS = ("parse", "ours", "copy", "die")
FORMATS = ("xlsx", "csv", "xls")


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


_KINDS = ["企业", "企业", "企业", "个体工商户", "农民专业合作社"]
_PREFIX = {"企业": "91", "个体工商户": "92", "农民专业合作社": "93"}
_TAGS = ["粮食收购企业", "加油站；危险化学品经营", "食品生产企业", "", "特种设备使用单位"]
_STATUSES = ["存续"] * 9 + ["注销"]


def row_values(n: int, variant: str = "") -> list[str]:
    """Row n of the benchmark file, in the template's column order (TargetResource)."""
    from registries import credit_code

    kind = _KINDS[n % 5]
    return [
        credit_code.make(f"{_PREFIX[kind]}140522{n:09d}"),
        f"阳城县第{n}号{'商贸有限公司' if kind == '企业' else '经营部'}",
        kind,
        "阳城县",
        f"阳城县凤城镇{variant or '新阳东'}街{n % 997}号",
        "批发和零售业",
        _TAGS[n % 5],
        _STATUSES[n % 10],
        f"20{10 + n % 15}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        "",
        "",
        "",
    ]


def generate_csv(rows: int, *, variant: str = "", encoding: str = "gb18030") -> Path:
    """The same rows as a CSV (GB18030 by default, as registration systems export them)."""
    import csv

    from registries.importing.targets import HEADERS

    path = DATA / f"targets-{rows}{variant}-{encoding}.csv"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["阳城县检查对象名录库（基准测试）"])
        writer.writerow(list(HEADERS.values()))
        for n in range(rows):
            writer.writerow(row_values(n, variant))
    tmp.rename(path)
    return path


XLS_MAX_ROWS = 65_536 - 2  # the old format's sheet holds 65,536 rows, title and header included


def generate_xls(rows: int, *, variant: str = "") -> Path:
    """The same rows as an old Excel (.xls) file, at most XLS_MAX_ROWS of them (needs xlwt)."""
    import xlwt

    from registries.importing.targets import HEADERS

    rows = min(rows, XLS_MAX_ROWS)
    path = DATA / f"targets-{rows}{variant}.xls"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("检查对象")
    sheet.write(0, 0, "阳城县检查对象名录库（基准测试）")
    for col, label in enumerate(HEADERS.values()):
        sheet.write(1, col, label)
    for n in range(rows):
        for col, value in enumerate(row_values(n, variant)):
            if value:
                sheet.write(n + 2, col, value)
    tmp = path.with_suffix(".tmp")
    book.save(str(tmp))
    tmp.rename(path)
    return path


def generate(rows: int, *, variant: str = "") -> Path:
    """A bureau-shaped workbook: title row, header, `rows` targets with valid credit codes.

    The sheet XML is streamed straight into the zip with a shared-string table, as Excel writes
    it: openpyxl needed about 20 minutes for a million rows, this about a minute.
    """
    from xml.sax.saxutils import escape

    from registries.importing.targets import HEADERS

    path = DATA / f"targets-{rows}{variant}.xlsx"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    strings: dict[str, int] = {}
    letters = "ABCDEFGHIJKL"

    def row_xml(number: int, values: list[str]) -> str:
        cells = []
        for col, value in enumerate(values):
            if value:
                index = strings.setdefault(value, len(strings))
                cells.append(f'<c r="{letters[col]}{number}" t="s"><v>{index}</v></c>')
        return f'<row r="{number}">{"".join(cells)}</row>'

    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, xml in _WORKBOOK_PARTS.items():
            zf.writestr(name, xml)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(f'{_XML_HEAD}<worksheet xmlns="{_NS_MAIN}"><dimension ref="A1:L{rows + 2}"/><sheetData>'.encode())
            fh.write(row_xml(1, ["阳城县检查对象名录库（基准测试）"]).encode())
            fh.write(row_xml(2, list(HEADERS.values())).encode())
            batch: list[str] = []
            for n in range(rows):
                values = row_values(n, variant)
                batch.append(row_xml(n + 3, values))
                if len(batch) == 10_000:
                    fh.write("".join(batch).encode())
                    batch.clear()
            fh.write("".join(batch).encode())
            fh.write(b"</sheetData></worksheet>")
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(
                f'{_XML_HEAD}<sst xmlns="{_NS_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'.encode()
            )
            items = [f"<si><t>{escape(s)}</t></si>" for s in strings]
            for start in range(0, len(items), 10_000):
                fh.write("".join(items[start : start + 10_000]).encode())
            fh.write(b"</sst>")
    tmp.rename(path)
    print(f"generated {path.name} in {time.perf_counter() - started:.1f}s")
    return path


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_WORKBOOK_PARTS = {
    "[Content_Types].xml": (
        f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'{_XML_HEAD}<Relationships xmlns="{_NS_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_NS_DOC_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'{_XML_HEAD}<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_DOC_REL}">'
        '<sheets><sheet name="检查对象" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'{_XML_HEAD}<Relationships xmlns="{_NS_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_NS_DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_NS_DOC_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId3" Type="{_NS_DOC_REL}/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        f'{_XML_HEAD}<styleSheet xmlns="{_NS_MAIN}">'
        '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="1"><xf/></cellXfs>'
        "</styleSheet>"
    ),
}


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
    parser.add_argument(
        "--format",
        choices=FORMATS,
        action="append",
        help="file formats to measure (repeatable; default: xlsx and csv; .xls holds at most 65,534 rows)",
    )
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
    run(
        sizes,
        args.die_rows,
        only=set(args.only or MEASUREMENTS),
        history_variant=not args.no_history_variant,
        formats=args.format or ["xlsx", "csv"],
    )


def run(sizes: list[int], die_rows: int, *, only: set[str], history_variant: bool, formats: list[str]) -> None:
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
        backend, wal = server_cpu(), wal_lsn()
        started, cpu = time.perf_counter(), time.process_time()
        result = targets_import(path=path, department=department)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        backend = server_cpu() - backend
        with connection.cursor() as cur:
            cur.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [wal])
            (wal_bytes,) = cur.fetchone()
        assert not result.errors, result.errors[:3]
        print(
            f"  ours  {label:<28} {n / elapsed:>10,.0f} rows/s  ({elapsed:6.1f}s; "
            f"new {result.created}, updated {result.updated}, unchanged {result.unchanged}; "
            f"CPU s: python {cpu:.1f}, postgres {backend:.1f}; WAL {float(wal_bytes) / 1e6:,.0f} MB "
            f"(whole server); load {os.getloadavg()[0]:.1f})"
        )

    def wal_lsn() -> str:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_current_wal_lsn()::text")
            (lsn,) = cur.fetchone()
        return str(lsn)

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

    def measure(size: int, fmt: str) -> None:
        plain = generators[fmt](size)
        changed = generators[fmt](size, variant="-changed") if "ours" in only else plain
        n = min(size, XLS_MAX_ROWS) if fmt == "xls" else size
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"\n== {n:,} rows ({plain.stat().st_size / 1e6:.1f} MB {fmt}; {os.cpu_count()} CPUs, load {load}) ==")
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
                        INSERT INTO registries_target (kind, credit_code, registration_number, identifier,
                            registration_no, name, legal_representative, region_id, address, industry, status,
                            established_on, department_id, created_at, updated_at)
                        SELECT kind, credit_code, registration_number, identifier, registration_no, name,
                            legal_representative, region_id, address, industry, status, established_on, %s, now(),
                            now() FROM target_stage
                        """,
                        [department.pk],
                    )
                copy_s = time.perf_counter() - started
            print(f"  raw COPY of validated rows (+insert) {n / copy_s:>8,.0f} rows/s  ({copy_s:6.1f}s, triggers on)")

        if "die" in only and fmt == "xlsx":
            reset()
            die(plain, die_rows, department)
        reset()

    generators = {"xlsx": generate, "csv": generate_csv, "xls": generate_xls}
    for size in sizes:
        for fmt in formats:
            measure(size, fmt)
        print(f"  peak RSS so far: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


def die(plain: Path, die_rows: int, department: object) -> None:
    from itertools import islice

    import tablib

    from registries.importing.workbook import SheetReader
    from registries.resources import TargetResource

    with SheetReader(plain) as reader:
        sample = list(islice(reader, 1, die_rows + 2))
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
