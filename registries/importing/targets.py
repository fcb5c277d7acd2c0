"""The target registry (检查对象名录库) workbook: parse, validate every row, upsert by credit code.

Layout (import and export use the same): a title row, then the header
统一社会信用代码 | 对象名称 | 对象类型 | 所属区域 | 住所（经营场所） | 行业 | 分类标签 | 登记状态 |
成立日期 | 原注册号 | 对象编号.

On PostgreSQL the valid rows are COPYed into a temporary staging table and upserted with one
INSERT ... ON CONFLICT per natural key; elsewhere the ORM's bulk operations do the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from django.db import connection
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
            tuple(limited(t, 100, "分类标签") for t in split_tags(raw_tags)) if raw_tags else (),
        )


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
    regions = RegionLookup(department.region)
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
                parsed.rows.append(row)
            if progress and parsed.total % every == 0:
                progress(parsed.total, len(parsed.errors))
    return parsed


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
                    cur.execute(
                        f"""
                        SELECT t.{key}, d.name
                        FROM unnest(%s::text[]) AS k(value)
                        JOIN registries_target t ON t.{key} = k.value
                        JOIN registries_department d ON d.id = t.department_id
                        WHERE t.department_id <> %s
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
    """Upsert the rows; returns (created, updated, unchanged). Call inside a transaction."""
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


def copy_stage(rows: Iterable[TargetRow]) -> None:
    """COPY the rows into a temporary staging table `target_stage` (dropped at commit)."""
    with connection.cursor() as cur:
        cur.execute(
            """
            CREATE TEMP TABLE target_stage (
                row integer, kind varchar(16), credit_code varchar(18), identifier varchar(64),
                registration_no varchar(20), name varchar(200), region_id bigint, address varchar(300),
                industry varchar(100), status varchar(16), established_on date, tags text[]
            ) ON COMMIT DROP
            """
        )
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
    """COPY into staging, then one INSERT ... ON CONFLICT DO UPDATE per natural key, and the tags."""
    copy_stage(rows)
    now = timezone.now()
    data = ", ".join(DATA_FIELDS)
    stored = ", ".join(f"t.{f}" for f in DATA_FIELDS)
    incoming = ", ".join(f"EXCLUDED.{f}" for f in DATA_FIELDS)
    differs = f"({stored}) IS DISTINCT FROM ({incoming})"
    sets = ", ".join(f"{f} = EXCLUDED.{f}" for f in DATA_FIELDS)
    with connection.cursor() as cur:
        # The history triggers' statements (old_values JOIN new_values) are planned once per
        # session and the plan is kept: planned for an empty transition table (an INSERT ... ON
        # CONFLICT fires the UPDATE trigger even when nothing was updated), it is a nested loop,
        # quadratic in the rows updated (10,000 changed rows took minutes). Replan them here, for
        # the row counts of this import.
        cur.execute("DISCARD PLANS")
        cur.execute("CREATE TEMP TABLE target_touched (id bigint, created boolean) ON COMMIT DROP")
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
                    RETURNING t.id, (t.xmax = 0)
                )
                INSERT INTO target_touched SELECT * FROM up
                """,  # noqa: S608 - identifiers are constants of this module
                [department.pk, now, now],
            )
        cur.execute(
            """
            INSERT INTO registries_tag (name, kind)
            SELECT DISTINCT unnest(tags), 'industry' FROM target_stage
            ON CONFLICT (name) DO NOTHING
            """
        )
        # The wanted (target, tag) pairs of the staged targets; drop the others, add the missing.
        # Equality joins only (an OR of two keys would make PostgreSQL loop over every pair).
        cur.execute(
            """
            CREATE TEMP TABLE target_staged_ids ON COMMIT DROP AS
            SELECT t.id, s.tags FROM target_stage s JOIN registries_target t ON t.credit_code = s.credit_code
            UNION ALL
            SELECT t.id, s.tags FROM target_stage s JOIN registries_target t ON t.identifier = s.identifier
            WHERE s.credit_code IS NULL
            """
        )
        cur.execute("ANALYZE target_staged_ids (id)")
        cur.execute(
            """
            CREATE TEMP TABLE target_tag_wanted ON COMMIT DROP AS
            SELECT s.id AS target_id, g.id AS tag_id
            FROM target_staged_ids s
            CROSS JOIN LATERAL unnest(s.tags) AS n(name)
            JOIN registries_tag g ON g.name = n.name
            """
        )
        cur.execute("ANALYZE target_tag_wanted")
        cur.execute(
            """
            WITH staged AS (SELECT id FROM target_staged_ids),
            gone AS (
                DELETE FROM registries_target_tags x USING staged
                WHERE x.target_id = staged.id
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
            INSERT INTO target_touched SELECT target_id, false FROM gone UNION SELECT target_id, false FROM added
            """
        )
        cur.execute(
            """
            SELECT count(*) FILTER (WHERE c), count(*) FILTER (WHERE NOT c)
            FROM (SELECT bool_or(created) AS c FROM target_touched GROUP BY id) x
            """
        )
        created, updated = cur.fetchone()
        cur.execute("DROP TABLE target_stage, target_touched, target_staged_ids, target_tag_wanted")
    return created, updated, len(rows) - created - updated
