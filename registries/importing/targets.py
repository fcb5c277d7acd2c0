"""The target registry (检查对象名录库) workbook: parse, validate every row, upsert by credit code.

Layout (import and export use the same): a title row, then the header
统一社会信用代码 | 对象名称 | 对象类型 | 所属区域 | 住所（经营场所） | 行业 | 分类标签 | 登记状态 |
成立日期 | 原注册号 | 对象编号.

On PostgreSQL the import streams: a thread parses and validates the workbook in chunks while
the caller's thread COPYs each chunk into a temporary staging table and upserts it with one
INSERT ... ON CONFLICT per natural key (`import_targets_streaming`). Elsewhere the rows are
parsed first and the ORM's bulk operations do the same.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from django.db import IntegrityError, connection, connections
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from registries import credit_code
from registries.importing.common import (
    Progress,
    Rejected,
    RowError,
    is_blank,
    limited,
    parse_date,
    split_tags,
    text,
)
from registries.importing.workbook import SheetReader, find_header
from registries.models import (
    KINDS_WITH_CREDIT_CODE,
    Department,
    Region,
    Tag,
    Target,
    TargetKind,
    TargetStatus,
)

HEADERS = {
    "credit_code": "统一社会信用代码",
    "name": "对象名称",
    "kind": "对象类型",
    "region": "所属区域",
    "address": "住所（经营场所）",
    "industry": "行业",
    "tags": "分类标签",
    "status": "登记状态",
    "established_on": "成立日期",
    "registration_no": "原注册号",
    "identifier": "对象编号",
}
COLUMNS: dict[str, set[str]] = {
    "credit_code": {"统一社会信用代码", "社会信用代码", "信用代码", "统一代码"},
    "name": {"对象名称", "名称", "企业名称", "单位名称", "主体名称", "市场主体名称"},
    "kind": {"对象类型", "主体类型", "类型"},
    "region": {"所属区域", "区域", "所属区划", "行政区划", "所属地区"},
    "address": {"住所（经营场所）", "住所", "经营场所", "地址", "住所(经营场所)"},
    "industry": {"行业", "所属行业", "行业门类"},
    "tags": {"分类标签", "标签"},
    "status": {"登记状态", "状态", "经营状态"},
    "established_on": {"成立日期", "登记日期"},
    "registration_no": {"原注册号", "注册号"},
    "identifier": {"对象编号", "编号"},
}
# Market entities whose credit code says what they are (GB 32100 category after the authority).
_KIND_BY_CODE = {"91": TargetKind.ENTERPRISE, "92": TargetKind.INDIVIDUAL, "93": TargetKind.COOPERATIVE}
_KIND_BY_LABEL = {str(label): value for value, label in TargetKind.choices}
_STATUS_BY_LABEL = {str(label): value for value, label in TargetStatus.choices if value != TargetStatus.MERGED}
_STATUS_ALIASES = {"在业": "active", "开业": "active", "存续（在营、开业、在册）": "active", "已注销": "cancelled"}
_STATUS_ALIASES |= {"已吊销": "revoked", "吊销，未注销": "revoked", "已迁出": "moved_out"}
# Updated in place, compared to decide updated vs unchanged (tags are compared separately).
DATA_FIELDS = (
    "kind",
    "credit_code",
    "identifier",
    "registration_no",
    "name",
    "region_id",
    "address",
    "industry",
    "status",
    "established_on",
)


class TargetRow(NamedTuple):
    row: int
    kind: str
    credit_code: str | None
    identifier: str | None
    registration_no: str
    name: str
    region_id: int
    address: str
    industry: str
    status: str
    established_on: dt.date | None
    tags: tuple[str, ...]


@dataclass
class ParsedTargets:
    rows: list[TargetRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0


class RegionLookup:
    def __init__(self, default: Region) -> None:
        self.default_id = default.pk
        self.by_key: dict[str, int] = {}
        for pk, code, name in Region.objects.values_list("pk", "code", "name"):
            self.by_key[code] = pk
            self.by_key.setdefault(name, pk)

    def __call__(self, raw: str) -> int:
        if not raw:
            return self.default_id
        try:
            return self.by_key[raw]
        except KeyError:
            raise Rejected(f"所属区域“{raw}”不存在（填写区划名称或代码，如阳城县或140522）") from None


_FIELDS = tuple(HEADERS)  # the canonical columns, in layout order


def _clean(value: object) -> str:
    """`text` for the common case of a cell that is already clean text (one C-level check)."""
    # Printable: no line breaks, tabs or full-width spaces; then only runs of spaces, spaces at
    # the ends or an exported apostrophe guard need `text`.
    if isinstance(value, str) and (
        not value or (value.isprintable() and "  " not in value and value[0] not in " '" and value[-1] != " ")
    ):
        return value
    return text(value)


class RowParser:
    """Turns one data row into a TargetRow, or raises Rejected with the first reason found.

    Column positions are resolved once per file; a column the file lacks reads as blank.
    """

    def __init__(self, cols: dict[str, int], regions: RegionLookup) -> None:
        self.width = max(cols.values(), default=-1) + 1
        if cols.keys() < set(_FIELDS):
            self.width += 1  # one more position, always blank, for the missing columns
        blank = self.width - 1
        self.cells = itemgetter(*(cols.get(name, blank) for name in _FIELDS))
        self.regions = regions

    def __call__(self, values: list[object], number: int) -> TargetRow:
        if len(values) < self.width:
            values = [*values, *[""] * (self.width - len(values))]
        (
            raw_code,
            raw_name,
            raw_kind,
            raw_region,
            address,
            industry,
            raw_tags,
            raw_status,
            raw_date,
            registration_no,
            identifier,
        ) = self.cells(values)
        raw_code = _clean(raw_code)
        code = None
        if raw_code:
            try:
                code = credit_code.validate(raw_code)
            except credit_code.CreditCodeError as exc:
                raise Rejected(str(exc)) from None
        raw_kind = _clean(raw_kind)
        if raw_kind:
            kind = _KIND_BY_LABEL.get(raw_kind) or (raw_kind if raw_kind in TargetKind.values else None)
            if kind is None:
                raise Rejected(f"对象类型“{raw_kind}”无效，应为{'、'.join(_KIND_BY_LABEL)}之一")
        elif code and code[:2] in _KIND_BY_CODE:
            kind = _KIND_BY_CODE[code[:2]]
        else:
            raise Rejected("对象类型不能为空")
        identifier = limited(_clean(identifier), 64, "对象编号") or None
        if code is None:
            if kind in KINDS_WITH_CREDIT_CODE:
                raise Rejected(f"{_label(kind)}必须填写统一社会信用代码")
            if identifier is None:
                raise Rejected("无统一社会信用代码的对象必须填写对象编号")
        name = limited(_clean(raw_name), 200, "对象名称")
        if not name:
            raise Rejected("对象名称不能为空")
        raw_status = _clean(raw_status)
        status = TargetStatus.ACTIVE.value
        if raw_status:
            found = _STATUS_BY_LABEL.get(raw_status) or _STATUS_ALIASES.get(raw_status)
            if found is None:
                raise Rejected(f"登记状态“{raw_status}”无效，应为{'、'.join(_STATUS_BY_LABEL)}之一")
            status = found
        return TargetRow(
            number,
            str(kind),
            code,
            identifier,
            limited(_clean(registration_no), 20, "原注册号"),
            name,
            self.regions(_clean(raw_region)),
            limited(_clean(address), 300, "住所（经营场所）"),
            limited(_clean(industry), 100, "行业"),
            status,
            parse_date(raw_date, "成立日期"),
            _tags(raw_tags) if raw_tags else (),
        )


@lru_cache(maxsize=4096, typed=True)  # typed: 1 and True are equal keys but different cells
def _tags(raw: object) -> tuple[str, ...]:
    """A tag cell as names; cached, since a registry repeats a few combinations of tags."""
    return tuple(limited(t, 100, "分类标签") for t in split_tags(raw))


def parse_row(values: list[object], cols: dict[str, int], number: int, regions: RegionLookup) -> TargetRow:
    """One data row -> a TargetRow, or Rejected with the first reason found."""
    return RowParser(cols, regions)(values, number)


def _label(kind: str) -> str:
    return str(TargetKind(kind).label)


def parse_targets(
    path: Path, *, department: Department, progress: Progress | None = None, every: int = 5000
) -> ParsedTargets:
    """Read and validate every row; duplicates within the file are rejected after their first row."""
    parsed = ParsedTargets()
    for chunk in iter_targets(
        path, regions=RegionLookup(department.region), parsed=parsed, progress=progress, every=every
    ):
        parsed.rows += chunk
    return parsed


def iter_targets(
    path: Path,
    *,
    regions: RegionLookup,
    parsed: ParsedTargets,
    progress: Progress | None = None,
    every: int = 5000,
    chunk_rows: int = 10_000,
) -> Generator[list[TargetRow]]:
    """The valid rows in chunks of about `chunk_rows`, counting rows and rejections in `parsed`.

    Touches no database (the region lookup is built by the caller), so it may run in a thread.
    """
    with SheetReader(path) as reader:
        rows: Iterator[list[object]] = iter(reader)
        head: list[list[object]] = []
        for values in rows:
            head.append(values)
            if len(head) == 10:
                break
        header_index, cols = find_header(head, COLUMNS)
        if "name" not in cols or not ({"credit_code", "identifier"} & cols.keys()):
            raise Rejected("表头缺少“对象名称”或“统一社会信用代码”列")

        def data() -> Iterator[tuple[int, list[object]]]:
            for index in range(header_index + 1, len(head)):
                yield index + 1, head[index]
            for index, values in enumerate(rows, start=len(head)):
                yield index + 1, values

        parse_row = RowParser(cols, regions)
        seen_codes: dict[str, int] = {}
        seen_ids: dict[str, int] = {}
        name_col = cols["name"]
        chunk: list[TargetRow] = []
        for number, values in data():
            # A row with a name is not blank: the full check only for the others.
            name = values[name_col] if name_col < len(values) else None
            if not (isinstance(name, str) and name and not name.isspace()) and is_blank(values):
                continue
            parsed.total += 1
            try:
                row = parse_row(values, number)
                if row.credit_code:
                    first = seen_codes.setdefault(row.credit_code, number)
                    if first != number:
                        raise Rejected(f"统一社会信用代码{row.credit_code}与第{first}行重复")
                if row.identifier:
                    first = seen_ids.setdefault(row.identifier, number)
                    if first != number:
                        raise Rejected(f"对象编号{row.identifier}与第{first}行重复")
            except Rejected as exc:
                parsed.errors.append(RowError(number, str(exc)))
            else:
                chunk.append(row)
                if len(chunk) == chunk_rows:
                    yield chunk
                    chunk = []
            if progress and parsed.total % every == 0:
                progress(parsed.total, len(parsed.errors))
        if chunk:
            yield chunk


def foreign_rows(rows: list[TargetRow], department: Department) -> list[RowError]:
    """Rows naming a target another department maintains: that department's record is not ours to change."""
    by_code = {r.credit_code: r for r in rows if r.credit_code}
    by_identifier = {r.identifier: r for r in rows if r.identifier and not r.credit_code}
    found: list[tuple[str, str, str]] = []  # (key, value, department name)
    if connection.vendor == "postgresql":
        # One join per key against the whole list passed as an array: one parameter to adapt,
        # where an IN list of 5,000 placeholders per query cost seconds for 100,000 rows.
        with connection.cursor() as cur:
            for key, lookup in (("credit_code", by_code), ("identifier", by_identifier)):
                if lookup:
                    # An index probe per key (the scalar subquery): a join may read the whole registry.
                    cur.execute(
                        f"""
                        WITH found AS MATERIALIZED (
                            SELECT k.value,
                                   (SELECT t.department_id FROM registries_target t WHERE t.{key} = k.value) AS dept
                            FROM unnest(%s::text[]) AS k(value)
                        )
                        SELECT f.value, d.name FROM found f JOIN registries_department d ON d.id = f.dept
                        WHERE f.dept <> %s
                        """,  # noqa: S608 - key is one of two constants
                        [list(lookup), department.pk],
                    )
                    found += [(key, value, name) for value, name in cur.fetchall()]
    else:
        others = Target.objects.exclude(department=department)
        for key, lookup in (("credit_code", by_code), ("identifier", by_identifier)):
            keys = list(lookup)
            for start in range(0, len(keys), 5000):
                chunk = keys[start : start + 5000]
                rows_found = others.filter(**{f"{key}__in": chunk}).values_list(key, "department__name")
                found += [(key, value, name) for value, name in rows_found]
    lookups = {"credit_code": by_code, "identifier": by_identifier}
    return [
        RowError(lookups[key][value].row, f"该对象已由{name}维护，不能由本部门导入修改") for key, value, name in found
    ]


def write_targets(rows: list[TargetRow], *, department: Department) -> tuple[int, int, int]:
    """Upsert the rows; returns (created, updated, unchanged). Call inside a transaction.

    Remove the rows of other departments' targets first (`foreign_rows`): on PostgreSQL any left
    are skipped, elsewhere they would be overwritten.
    """
    if not rows:
        return 0, 0, 0
    if connection.vendor == "postgresql":
        return _write_postgres(rows, department)
    return _write_orm(rows, department)


def _ensure_tags(names: Iterable[str]) -> dict[str, int]:
    wanted = set(names)
    if not wanted:
        return {}
    Tag.objects.bulk_create([Tag(name=n) for n in wanted], ignore_conflicts=True, batch_size=1000)
    return dict(Tag.objects.filter(name__in=wanted).values_list("name", "pk"))


def _write_orm(rows: list[TargetRow], department: Department) -> tuple[int, int, int]:
    """Portable path (SQLite): compare with what is stored, then bulk insert and bulk update."""
    now = timezone.now()
    existing: dict[str, Target] = {}
    codes = [r.credit_code for r in rows if r.credit_code]
    identifiers = [r.identifier for r in rows if r.identifier and not r.credit_code]
    for start in range(0, len(codes), 500):
        for t in Target.objects.filter(credit_code__in=codes[start : start + 500]):
            existing[f"c:{t.credit_code}"] = t
    for start in range(0, len(identifiers), 500):
        for t in Target.objects.filter(identifier__in=identifiers[start : start + 500], credit_code__isnull=True):
            existing[f"i:{t.identifier}"] = t
    current_tags: dict[int, set[str]] = {}
    through = Target.tags.through
    ids = [t.pk for t in existing.values()]
    for start in range(0, len(ids), 500):
        for target_id, name in through.objects.filter(target_id__in=ids[start : start + 500]).values_list(
            "target_id", "tag__name"
        ):
            current_tags.setdefault(target_id, set()).add(name)

    new: list[tuple[Target, TargetRow]] = []
    changed: list[Target] = []
    tag_changes: dict[int, tuple[str, ...]] = {}
    unchanged = 0
    for r in rows:
        key = f"c:{r.credit_code}" if r.credit_code else f"i:{r.identifier}"
        values = {f: getattr(r, f) for f in DATA_FIELDS}
        target = existing.get(key)
        if target is None:
            new.append((Target(department=department, created_at=now, updated_at=now, **values), r))
            continue
        differs = any(getattr(target, f) != v for f, v in values.items())
        tags_differ = current_tags.get(target.pk, set()) != set(r.tags)
        if differs:
            for f, v in values.items():
                setattr(target, f, v)
            target.updated_at = now
            changed.append(target)
        if tags_differ:
            tag_changes[target.pk] = r.tags
        if not differs and not tags_differ:
            unchanged += 1
    Target.objects.bulk_create([t for t, _ in new], batch_size=500)
    Target.objects.bulk_update(changed, [*DATA_FIELDS, "updated_at"], batch_size=500)
    tag_ids = _ensure_tags(n for r in rows for n in r.tags)
    through.objects.filter(target_id__in=list(tag_changes)).delete()
    links = [through(target_id=t.pk, tag_id=tag_ids[n]) for t, r in new for n in r.tags]
    links += [through(target_id=pk, tag_id=tag_ids[n]) for pk, names in tag_changes.items() for n in names]
    through.objects.bulk_create(links, batch_size=1000)
    updated = len({t.pk for t in changed} | set(tag_changes))
    return len(new), updated, unchanged


_STAGE_COLUMNS = (
    "row",
    "kind",
    "credit_code",
    "identifier",
    "registration_no",
    "name",
    "region_id",
    "address",
    "industry",
    "status",
    "established_on",
    "tags",
)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_BATCH = 2000


def _pg_array(values: tuple[str, ...]) -> str:
    """A text[] literal: every element quoted, quotes and backslashes escaped."""
    if not values:
        return "{}"
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def copy_line(r: TargetRow) -> str:
    """One row in COPY's text format (tab-separated, \\N for NULL, backslash escapes)."""
    fields = [
        str(r.row),
        r.kind,
        r.credit_code if r.credit_code is not None else "\\N",
        r.identifier if r.identifier is not None else "\\N",
        r.registration_no,
        r.name,
        str(r.region_id),
        r.address,
        r.industry,
        r.status,
        r.established_on.isoformat() if r.established_on is not None else "\\N",
        _pg_array(r.tags),
    ]
    line = "\t".join(fields)
    # Cell text has its whitespace collapsed, so escaping is rarely needed: then the only
    # backslashes are the NULL markers and the only tabs the separators.
    nulls = (r.credit_code is None) + (r.identifier is None) + (r.established_on is None)
    if line.count("\\") != nulls or line.count("\t") != len(fields) - 1 or "\n" in line or "\r" in line:
        null_at = {2: r.credit_code is None, 3: r.identifier is None, 10: r.established_on is None}
        line = "\t".join(f if null_at.get(i) else f.translate(_COPY_ESCAPES) for i, f in enumerate(fields))
    return line + "\n"


_CREATE_STAGE = """
    CREATE TEMP TABLE target_stage (
        row integer, kind varchar(16), credit_code varchar(18), identifier varchar(64),
        registration_no varchar(20), name varchar(200), region_id bigint, address varchar(300),
        industry varchar(100), status varchar(16), established_on date, tags text[]
    ) ON COMMIT DROP
"""


def copy_stage(rows: Iterable[TargetRow]) -> None:
    """COPY the rows into a temporary staging table `target_stage` (dropped at commit)."""
    with connection.cursor() as cur:
        cur.execute(_CREATE_STAGE)
        _copy_rows(cur, rows)


def _copy_rows(cur: CursorWrapper, rows: Iterable[TargetRow]) -> None:
    raw = cur.cursor  # psycopg 3 cursor under Django's wrapper
    with raw.copy(f"COPY target_stage ({', '.join(_STAGE_COLUMNS)}) FROM STDIN") as copy:
        # Preformatted text in batches: a few large writes instead of one adaptation per value.
        batch: list[str] = []
        for r in rows:
            batch.append(copy_line(r))
            if len(batch) == _COPY_BATCH:
                copy.write("".join(batch))
                batch.clear()
        if batch:
            copy.write("".join(batch))
    # Temporary tables get no statistics otherwise; only the join keys matter to the plans.
    cur.execute("ANALYZE target_stage (credit_code, identifier)")


def _write_postgres(rows: list[TargetRow], department: Department) -> tuple[int, int, int]:
    with _PostgresWriter(department) as writer:
        return writer.write(rows)


class _PostgresWriter:
    """Upserts chunks of rows through temporary staging tables, in the caller's transaction.

    Per chunk (`stage`, `take_foreign`, `upsert`): COPY into staging, one index probe per row for
    the target it names (rows of other departments' targets are reported and dropped), one
    INSERT ... ON CONFLICT DO UPDATE per natural key, then the tags. Every statement touches the
    big tables through their indexes only, so a chunk costs the same at any registry size. The
    remaining foreign keys (the tag links') are checked at the end of each statement instead of
    all at commit, so that on a streamed import the checks overlap with the parsing of the next
    chunk; they are deferred again at the end.
    """

    def __init__(self, department: Department) -> None:
        self.department = department
        self.now = timezone.now()
        self.deferred: list[str] = []

    def __enter__(self) -> _PostgresWriter:
        tables = [Target._meta.db_table, Target.tags.through._meta.db_table]
        with connection.cursor() as cur:
            cur.execute(_CREATE_STAGE)
            cur.execute("CREATE TEMP TABLE target_found (row integer, id bigint, department_id bigint) ON COMMIT DROP")
            cur.execute(
                "CREATE TEMP TABLE target_touched (id bigint, created boolean, via text, key text) ON COMMIT DROP"
            )
            cur.execute("CREATE TEMP TABLE target_staged_ids (id bigint, tags text[], existed boolean) ON COMMIT DROP")
            cur.execute("CREATE TEMP TABLE target_tag_wanted (target_id bigint, tag_id bigint) ON COMMIT DROP")
            cur.execute(
                """
                SELECT conname FROM pg_constraint
                WHERE conrelid = ANY(%s::regclass[]) AND contype = 'f' AND condeferrable AND condeferred
                """,
                [tables],
            )
            self.deferred = [connection.ops.quote_name(name) for (name,) in cur.fetchall()]
            if self.deferred:
                cur.execute(f"SET CONSTRAINTS {', '.join(self.deferred)} IMMEDIATE")
            # What the foreign-key constraint did per row (Target.department has none), once: the
            # department cannot be deleted before this transaction ends.
            cur.execute("SELECT id FROM registries_department WHERE id = %s FOR KEY SHARE", [self.department.pk])
            if cur.fetchone() is None:
                raise IntegrityError(f"department {self.department.pk} does not exist")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is not None:
            return  # the transaction is rolled back, temporary tables and settings with it
        with connection.cursor() as cur:
            cur.execute("DROP TABLE target_stage, target_found, target_touched, target_staged_ids, target_tag_wanted")
            if self.deferred:
                cur.execute(f"SET CONSTRAINTS {', '.join(self.deferred)} DEFERRED")

    def write(self, rows: list[TargetRow]) -> tuple[int, int, int]:
        """Upsert one chunk, skipping its rows of other departments' targets."""
        self.stage(rows)
        foreign = self.take_foreign()
        return self.upsert(len(rows) - len(foreign))

    def stage(self, rows: list[TargetRow]) -> None:
        """COPY one chunk into staging and find the targets its rows name, if they exist."""
        with connection.cursor() as cur:
            # Likewise for the regions (Target.region has no constraint): they stay until commit.
            region_ids = sorted({r.region_id for r in rows})
            cur.execute("SELECT id FROM registries_region WHERE id = ANY(%s) FOR KEY SHARE", [region_ids])
            missing = set(region_ids) - {pk for (pk,) in cur.fetchall()}
            if missing:
                raise IntegrityError(f"regions {sorted(missing)} do not exist")
            cur.execute("TRUNCATE target_stage, target_found, target_touched, target_staged_ids, target_tag_wanted")
            if not rows:
                return
            _copy_rows(cur, rows)
            # One index probe per staged row (a scalar subquery is never turned into a join): a hash
            # join would read the whole registry once per chunk, a hundred times for a million rows.
            cur.execute(
                """
                WITH probe AS MATERIALIZED (
                    SELECT s.row, (SELECT ARRAY[t.id, t.department_id] FROM registries_target t
                                   WHERE t.credit_code = s.credit_code) AS found
                    FROM target_stage s WHERE s.credit_code IS NOT NULL
                    UNION ALL
                    SELECT s.row, (SELECT ARRAY[t.id, t.department_id] FROM registries_target t
                                   WHERE t.identifier = s.identifier)
                    FROM target_stage s WHERE s.credit_code IS NULL
                )
                INSERT INTO target_found SELECT row, found[1], found[2] FROM probe WHERE found IS NOT NULL
                """
            )

    def take_foreign(self) -> list[RowError]:
        """The staged rows naming another department's target: reported, and dropped from staging."""
        with connection.cursor() as cur:
            cur.execute(
                """
                SELECT f.row, d.name FROM target_found f JOIN registries_department d ON d.id = f.department_id
                WHERE f.department_id <> %s
                """,
                [self.department.pk],
            )
            found = cur.fetchall()
            if found:
                rows = [row for row, _ in found]
                cur.execute("DELETE FROM target_stage WHERE row = ANY(%s)", [rows])
                cur.execute("DELETE FROM target_found WHERE row = ANY(%s)", [rows])
        return [RowError(row, f"该对象已由{name}维护，不能由本部门导入修改") for row, name in sorted(found)]

    def upsert(self, staged: int) -> tuple[int, int, int]:
        """Upsert the staged rows (`staged` of them); returns (created, updated, unchanged)."""
        if not staged:
            return 0, 0, 0
        data = ", ".join(DATA_FIELDS)
        stored = ", ".join(f"t.{f}" for f in DATA_FIELDS)
        incoming = ", ".join(f"EXCLUDED.{f}" for f in DATA_FIELDS)
        differs = f"({stored}) IS DISTINCT FROM ({incoming})"
        sets = ", ".join(f"{f} = EXCLUDED.{f}" for f in DATA_FIELDS)
        with connection.cursor() as cur:
            # The history triggers' statements (old_values JOIN new_values) are planned once per
            # session and the plan is kept: planned for an empty transition table (an INSERT ... ON
            # CONFLICT fires the UPDATE trigger even when nothing was updated), it is a nested loop,
            # quadratic in the rows updated (10,000 changed rows took minutes). Replan them for
            # each chunk, for its row counts.
            cur.execute("DISCARD PLANS")
            for key, condition in (("credit_code", "credit_code IS NOT NULL"), ("identifier", "credit_code IS NULL")):
                # xmax = 0 on the returned row: it was inserted, not updated. Rows equal to the stored
                # ones are not updated at all (the WHERE), so they are neither returned nor re-versioned.
                cur.execute(
                    f"""
                    WITH up AS (
                        INSERT INTO registries_target AS t ({data}, department_id, created_at, updated_at)
                        SELECT {data}, %s, %s, %s FROM target_stage WHERE {condition}
                        ON CONFLICT ({key})
                        DO UPDATE SET {sets}, updated_at = EXCLUDED.updated_at
                        WHERE {differs}
                        RETURNING t.id, (t.xmax = 0), t.{key}
                    )
                    INSERT INTO target_touched SELECT id, created, %s, key FROM up AS up(id, created, key)
                    """,  # noqa: S608 - identifiers are constants of this module
                    [self.department.pk, self.now, self.now, key],
                )
            cur.execute(
                """
                INSERT INTO registries_tag (name, kind)
                SELECT DISTINCT unnest(tags), 'industry' FROM target_stage
                ON CONFLICT (name) DO NOTHING
                """
            )
            # The staged targets: those found before the upsert and those it inserted (or updated,
            # when another transaction inserted them meanwhile). Joins of temporary tables only.
            cur.execute(
                """
                INSERT INTO target_staged_ids
                SELECT f.id, s.tags, true FROM target_found f JOIN target_stage s USING (row)
                UNION
                SELECT u.id, s.tags, NOT u.created FROM target_touched u JOIN target_stage s ON s.credit_code = u.key
                WHERE u.via = 'credit_code'
                UNION
                SELECT u.id, s.tags, NOT u.created FROM target_touched u JOIN target_stage s ON s.identifier = u.key
                WHERE u.via = 'identifier' AND s.credit_code IS NULL
                """
            )
            cur.execute("ANALYZE target_staged_ids (id)")
            # The wanted (target, tag) pairs of the staged targets; drop the others, add the missing.
            cur.execute(
                """
                INSERT INTO target_tag_wanted
                SELECT s.id, g.id
                FROM target_staged_ids s
                CROSS JOIN LATERAL unnest(s.tags) AS n(name)
                JOIN registries_tag g ON g.name = n.name
                """
            )
            cur.execute("ANALYZE target_tag_wanted")
            cur.execute(
                """
                WITH gone AS (
                    DELETE FROM registries_target_tags x
                    WHERE x.target_id = ANY (ARRAY(SELECT id FROM target_staged_ids WHERE existed))
                      AND NOT EXISTS (SELECT 1 FROM target_tag_wanted w
                                      WHERE w.target_id = x.target_id AND w.tag_id = x.tag_id)
                    RETURNING x.target_id
                ),
                added AS (
                    INSERT INTO registries_target_tags (target_id, tag_id)
                    SELECT target_id, tag_id FROM target_tag_wanted
                    ON CONFLICT (target_id, tag_id) DO NOTHING
                    RETURNING target_id
                )
                INSERT INTO target_touched (id, created)
                SELECT target_id, false FROM gone UNION SELECT target_id, false FROM added
                """
            )
            cur.execute(
                """
                SELECT count(*) FILTER (WHERE c), count(*) FILTER (WHERE NOT c)
                FROM (SELECT bool_or(created) AS c FROM target_touched GROUP BY id) x
                """
            )
            created, updated = cur.fetchone()
        return created, updated, staged - created - updated


# --- streaming: parse in a thread while this one writes -------------------------------------


@dataclass
class ImportedTargets:
    total: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


# Rows per chunk of a streamed import: small enough for parsing and writing to overlap, large
# enough that the dozen statements per chunk cost little.
CHUNK_ROWS = 10_000
PROGRESS_EVERY = 5000  # rows
_DONE = object()
_QUEUED_CHUNKS = 4  # bounds the memory held by parsed rows not yet written


def import_targets_streaming(
    path: Path, *, department: Department, progress: Progress | None = None, stop_on_error: bool = False
) -> ImportedTargets:
    """Parse, validate and upsert in one pass on PostgreSQL; call inside a transaction.

    A thread parses and validates the workbook chunk by chunk while this thread writes the
    chunks already parsed, so the Python work and the server's work overlap. `progress` is
    called from the parsing thread (its own connection, in autocommit: visible at once). With
    `stop_on_error` nothing more is written after the first rejected row (the caller rolls
    back), but every row is still parsed so that every rejection is reported.
    """
    parsed = ParsedTargets()
    chunks = iter_targets(
        path,
        regions=RegionLookup(department.region),
        parsed=parsed,
        progress=progress,
        every=PROGRESS_EVERY,
        chunk_rows=CHUNK_ROWS,
    )
    result = ImportedTargets()
    foreign: list[RowError] = []
    with _PostgresWriter(department) as writer, _in_thread(chunks) as produced:
        for chunk in produced:
            writer.stage(chunk)
            bad = writer.take_foreign()
            foreign += bad
            if stop_on_error and (parsed.errors or foreign):
                continue
            created, updated, unchanged = writer.upsert(len(chunk) - len(bad))
            result.created += created
            result.updated += updated
            result.unchanged += unchanged
    result.total = parsed.total
    result.errors = sorted([*parsed.errors, *foreign], key=lambda e: e.row)
    return result


@contextmanager
def _in_thread(chunks: Generator[list[TargetRow]]) -> Iterator[Iterator[list[TargetRow]]]:
    """Run the generator `chunks` in a thread; yield an iterator over what it produces."""
    out: queue.Queue[object] = queue.Queue(maxsize=_QUEUED_CHUNKS)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consuming thread, raised there
            put(exc)
        finally:
            chunks.close()
            connections.close_all()  # this thread's own connections (progress), not the caller's

    def consume() -> Iterator[list[TargetRow]]:
        while True:
            item = out.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]

    thread = threading.Thread(target=produce, name="target-import-parse", daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        stop.set()
        thread.join()
