"""The target registry (检查对象名录库) file: find its columns, validate every row, upsert.

The columns are declared once, in `registries.resources.TargetResource`: their Chinese labels
(the template's and the export's header), the header synonyms and keywords of bureaus' and
registration systems' files (UNISCID, REGNO, TYXYDM, ...). A file's header is found and every
column mapped by `registries.importing.headers`; a column that names nothing known must be
mapped or ignored by the user (`read_header` says which) before any row is imported.

A target is identified by its 统一社会信用代码, or failing that its 注册号 (individual businesses
registered before 2015 often have no credit code), or failing that another official number
(对象编号). Numbers Excel turned into floats are recovered exactly when a double holds them
(a 15-digit 注册号 always does); an 18-character code shown in scientific notation has lost
digits: the row lands under its 注册号 with a warning, or is rejected when it has nothing else.
A credit code arriving for a target known by its 注册号 is written onto that target (linked).
Registration-system enumerations (企业类型, 登记状态) are mapped to the registry's kinds and
statuses by `KIND_RULES` / `STATUS_RULES`; what they cannot map lands with a warning and is
offered to the user to map (`ParsedTargets.unmapped`).

The import streams on PostgreSQL: a thread parses and validates the file in chunks while the
caller's thread COPYs each chunk into a temporary staging table and upserts it with one
INSERT ... ON CONFLICT per natural key (`import_targets_streaming`).
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections import Counter
from collections.abc import Generator, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from django.db import IntegrityError, connection, connections
from django.db.backends.utils import CursorWrapper
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from registries import credit_code
from registries.importing.common import (
    Progress,
    Rejected,
    RowError,
    is_blank,
    limited,
    parse_date,
    recover_number,
    split_tags,
    text,
)
from registries.importing.headers import Header, find_header, normalise_header
from registries.importing.workbook import SheetReader
from registries.models import Department, Region, Target, TargetKind, TargetStatus
from registries.resources import NOT_STORED_PREFIX, TargetResource, column_labels, header_spec

SPEC = header_spec(TargetResource)
HEADERS = column_labels(TargetResource)  # field -> Chinese label, in the template's order
IDENTIFYING = ("credit_code", "registration_number", "identifier")
HEADER_SCAN = 15  # rows searched for the header (title rows above it)

# Market entities whose credit code says what they are (GB 32100 category after the authority).
_KIND_BY_CODE = {"91": TargetKind.ENTERPRISE, "92": TargetKind.INDIVIDUAL, "93": TargetKind.COOPERATIVE}

# 企业类型 / 主体类型 as registration systems write them -> the registry's kinds. Exact names (after
# normalise_header) first, then keyword rules in order: the first rule with a keyword in the text
# wins (个体 and 合作社 before 分支机构, so that 农民专业合作社分支机构 is a cooperative).
KIND_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (TargetKind.INDIVIDUAL, ("个体",)),
    (TargetKind.COOPERATIVE, ("合作社", "合作联社", "农民专业合作")),
    (TargetKind.INSTITUTION, ("事业单位", "事业法人")),
    (TargetKind.SOCIAL_ORG, ("社会团体", "民办非企业", "基金会", "社会服务机构", "社会组织")),
    (TargetKind.SCHOOL, ("学校", "幼儿园", "学院", "大学", "中学", "小学")),
    (TargetKind.PROJECT, ("工程", "项目")),
    (TargetKind.PRODUCT, ("产品",)),
    (
        TargetKind.ENTERPRISE,
        (
            "公司",
            "企业",
            "分支机构",
            "合伙",
            "独资",
            "全民所有制",
            "集体所有制",
            "股份合作",
            "联营",
            "外商投资",
            "外国",
            "港澳台",
            "法人",
            "营业单位",
            "代表机构",
            "办事处",
            "分厂",
            "分店",
        ),
    ),
)
# 登记状态 -> statuses. Rules in order: 吊销 but 已注销 is cancelled, 吊销 未注销 is revoked.
STATUS_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (TargetStatus.REVOKED, ("吊销未注销", "已吊销未注销")),
    (TargetStatus.CANCELLED, ("注销", "撤销", "已撤销")),
    (TargetStatus.REVOKED, ("吊销",)),
    (TargetStatus.MOVED_OUT, ("迁出", "迁移")),
    (
        TargetStatus.ACTIVE,
        (
            "存续",
            "在业",
            "在营",
            "正常",
            "开业",
            "在册",
            "营业",
            "经营",
            "迁入",
            "设立",
            "成立",
            "确立",
            "停业",
            "歇业",
        ),
    ),
)
# 登记状态代码 of the market-entity data standard (REGSTATE): 1 存续（在营、开业、在册）, 2 吊销，未注销,
# 3 吊销，已注销, 4 注销, 5 撤销, 6 迁出.
_STATUS_CODES = {
    "1": TargetStatus.ACTIVE,
    "2": TargetStatus.REVOKED,
    "3": TargetStatus.CANCELLED,
    "4": TargetStatus.CANCELLED,
    "5": TargetStatus.CANCELLED,
    "6": TargetStatus.MOVED_OUT,
}


def _exact_table(choices: Iterable[tuple[str, object]]) -> dict[str, str]:
    return {normalise_header(label): value for value, label in choices} | {value: value for value, _ in choices}


_KIND_EXACT = _exact_table(TargetKind.choices)
_STATUS_EXACT = _exact_table((v, lbl) for v, lbl in TargetStatus.choices if v != TargetStatus.MERGED) | {
    normalise_header(code): status for code, status in _STATUS_CODES.items()
}


_key = lru_cache(maxsize=4096)(normalise_header)


@lru_cache(maxsize=1024)
def map_kind(raw: str) -> str | None:
    """The registry kind of a 企业类型 text, or None when no rule knows it."""
    key = normalise_header(raw)
    if key in _KIND_EXACT:
        return _KIND_EXACT[key]
    for kind, keywords in KIND_RULES:
        if any(k in key for k in keywords):
            return str(kind)
    return None


@lru_cache(maxsize=1024)
def map_status(raw: str) -> str | None:
    """The registry status of a 登记状态 text, or None when no rule knows it."""
    key = normalise_header(raw)
    if key in _STATUS_EXACT:
        return _STATUS_EXACT[key]
    for status, keywords in STATUS_RULES:
        if any(k in key for k in keywords):
            return str(status)
    return None


# Updated in place, compared to decide updated vs unchanged (tags are compared separately).
DATA_FIELDS = (
    "kind",
    "credit_code",
    "registration_number",
    "identifier",
    "registration_no",
    "name",
    "legal_representative",
    "region_id",
    "address",
    "industry",
    "status",
    "established_on",
)
# Identifiers a file never clears: a stored one is kept when the file's cell is blank.
_CODE_CHARS = frozenset(credit_code.ALPHABET)
# What registration exports write where a number is absent: read as blank.
PLACEHOLDERS = frozenset(
    {"无", "暂无", "空", "-", "--", "—", "——", "/", "\\", "0", "null", "NULL", "None", "N/A", "n/a", "未知", "无代码"}
)
_KEPT_WHEN_BLANK = frozenset({"credit_code", "registration_number", "identifier"})


class TargetRow(NamedTuple):
    row: int
    kind: str
    credit_code: str | None
    registration_number: str | None
    identifier: str | None
    registration_no: str
    name: str
    legal_representative: str
    region_id: int
    address: str
    industry: str
    status: str
    established_on: dt.date | None
    tags: tuple[str, ...]


@dataclass
class Mappings:
    """What a department (or the command line) said its files' headers and values mean."""

    headers: dict[str, str] = field(default_factory=dict)  # normalised header -> field or IGNORE
    kinds: dict[str, str] = field(default_factory=dict)  # normalised value -> TargetKind
    statuses: dict[str, str] = field(default_factory=dict)  # normalised value -> TargetStatus


@dataclass
class ParsedTargets:
    rows: list[TargetRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    total: int = 0
    header: Header | None = None
    # (column label, value as written) -> rows: values no rule or mapping knows.
    unmapped: Counter[tuple[str, str]] = field(default_factory=Counter)


class RegionLookup:
    """A region cell -> region id: by code or name, by a longer code (a township's 12 digits) or by
    the region name it contains (山西省晋城市阳城县凤城镇 -> 阳城县). A region this registry does not
    know lands in the department's own region, with a warning (never a rejected row)."""

    def __init__(self, default: Region) -> None:
        self.default_id = default.pk
        self.default_name = default.name
        self.by_key: dict[str, int] = {}
        for pk, code, name in Region.objects.values_list("pk", "code", "name"):
            self.by_key[code] = pk
            self.by_key.setdefault(name, pk)
        self.names = sorted((k for k in self.by_key if not k.isdigit() and len(k) >= 2), key=len, reverse=True)
        self.found: dict[str, tuple[int, bool]] = {}

    def __call__(self, raw: str) -> tuple[int, str]:
        """(region id, warning or "")."""
        if not raw:
            return self.default_id, ""
        pk = self.by_key.get(raw)
        if pk is not None:
            return pk, ""
        if raw not in self.found:
            self.found[raw] = self._search(raw)
        pk, known = self.found[raw]
        if known:
            return pk, ""
        return pk, _("所属区域“%(value)s”不在本系统的区划中，已记为本部门所在的%(region)s") % {
            "value": raw,
            "region": self.default_name,
        }

    def _search(self, raw: str) -> tuple[int, bool]:
        digits = "".join(raw.split())
        if digits.isdigit() and len(digits) > 6:
            for key in (digits[:6], digits[:4] + "00", digits[:2] + "0000"):
                if key in self.by_key:
                    return self.by_key[key], True
        for name in self.names:
            if name in raw:
                return self.by_key[name], True
        return self.default_id, False


_FIELDS = (
    "credit_code",
    "name",
    "kind",
    "region",
    "address",
    "industry",
    "tags",
    "status",
    "established_on",
    "registration_number",
    "identifier",
    "legal_representative",
)
assert set(_FIELDS) == set(HEADERS), "the row parser reads every column of TargetResource"


def _clean(value: object) -> str:
    """`text` for the common case of a cell that is already clean text (one C-level check)."""
    # Printable: no line breaks, tabs, control characters or full-width spaces; then only runs of
    # spaces, spaces at the ends or an exported apostrophe guard need `text`.
    if isinstance(value, str) and (
        not value or (value.isprintable() and "  " not in value and value[0] not in " '" and value[-1] != " ")
    ):
        return value
    return text(value)


def _lost_digits(label: str, raw: str) -> str:
    return _("%(column)s“%(value)s”被Excel存成了数字（科学计数法），末几位已丢失：请将该列设置为文本格式后重新导出") % {
        "column": label,
        "value": raw,
    }


class RowParser:
    """Turns one data row into a TargetRow, or raises Rejected with the first reason found.

    Column positions are resolved once per file; a column the file lacks reads as blank.
    Warnings (a row taken with a caveat) and values no rule knows are collected in `parsed`.
    """

    def __init__(
        self, cols: Mapping[str, int], regions: RegionLookup, mappings: Mappings, parsed: ParsedTargets, *, width: int
    ) -> None:
        # `width`: the header's columns; the position after them reads as blank for missing fields.
        self.blank = max(width, max(cols.values(), default=-1) + 1)
        self.width = self.blank + 1
        self.cells = itemgetter(*(cols.get(name, self.blank) for name in _FIELDS))
        self.regions = regions
        self.mappings = mappings
        self.parsed = parsed

    def warn(self, number: int, column: str, value: str, message: str) -> None:
        self.parsed.warnings.append(RowError(number, message, column, value))

    def _code_and_number(
        self, raw_code: object, raw_number: object, number: int
    ) -> tuple[str | None, str | None, str | None]:
        """(credit code, registration number, the credit code's lost-digits warning)."""
        code_label, number_label = HEADERS["credit_code"], HEADERS["registration_number"]
        if raw_number == "" and raw_code.__class__ is str and len(raw_code) == 18 and _CODE_CHARS.issuperset(raw_code):  # type: ignore[arg-type]
            try:  # the common case: a credit code written as text, no registration number
                return credit_code.validate(raw_code), None, None  # type: ignore[arg-type]
            except credit_code.CreditCodeError as exc:
                raise Rejected(str(exc), column=code_label, value=raw_code) from None  # type: ignore[arg-type]
        code_text, code_lost = recover_number(raw_code)
        if code_text in PLACEHOLDERS:
            code_text = ""
        reg, reg_lost = recover_number(raw_number) if raw_number not in ("", None) else ("", False)
        if reg in PLACEHOLDERS:
            reg = ""
        if reg_lost:
            raise Rejected(_lost_digits(number_label, reg), column=number_label, value=reg)
        reg = "".join(reg.split()).upper()
        if not code_text and len(reg) == 18 and credit_code.is_valid(reg):
            code_text, reg = reg, ""  # a credit code in the 注册号 column (an entity re-registered)
        reg = limited(reg, 20, number_label) or ""
        code = None
        lost_warning = None
        if code_text and code_lost:
            lost_warning = _lost_digits(code_label, code_text)
        elif code_text:
            normal = credit_code.normalise(code_text)
            if len(normal) != 18 and normal.isdigit() and 13 <= len(normal) <= 15:
                # A 注册号 in a 统一社会信用代码（注册号） column: the target's registration number.
                if not reg:
                    reg = normal
            else:
                try:
                    code = credit_code.validate(code_text)
                except credit_code.CreditCodeError as exc:
                    raise Rejected(str(exc), column=code_label, value=code_text) from None
        return code, reg or None, lost_warning

    def __call__(self, values: list[object], number: int) -> TargetRow:
        if len(values) != self.width:  # exactly the header's cells, then one blank
            values = [*values[: self.blank], *[""] * (self.width - min(len(values), self.blank))]
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
            raw_reg,
            raw_identifier,
            legal_representative,
        ) = self.cells(values)
        code, reg, lost_warning = self._code_and_number(raw_code, raw_reg, number)
        identifier_text = recover_number(raw_identifier)[0] if raw_identifier not in ("", None) else ""
        if identifier_text in PLACEHOLDERS:
            identifier_text = ""
        identifier = limited(identifier_text, 64, HEADERS["identifier"]) or None
        if code is None and reg is None and identifier is None:
            if lost_warning:
                raise Rejected(lost_warning, column=HEADERS["credit_code"], value=_clean(raw_code))
            raise Rejected(_("统一社会信用代码、注册号和对象编号不能都为空"), column=HEADERS["credit_code"])
        if lost_warning:
            self.warn(number, HEADERS["credit_code"], _clean(raw_code), lost_warning)
        name = limited(_clean(raw_name), 200, HEADERS["name"])
        if not name:
            raise Rejected(_("对象名称不能为空"), column=HEADERS["name"])
        kind = self._kind(_clean(raw_kind), code, number)
        status = self._status(_clean(raw_status), number)
        try:
            established_on = parse_date(raw_date, HEADERS["established_on"])
        except Rejected as exc:  # an optional fact: the row lands without it, the cell is reported
            established_on = None
            self.warn(number, HEADERS["established_on"], _clean(raw_date), str(exc) + _("，未导入该日期"))
        region_raw = _clean(raw_region)
        region_id, region_warning = self.regions(region_raw)
        if region_warning:
            self.warn(number, HEADERS["region"], region_raw, region_warning)
        return TargetRow(
            number,
            kind,
            code,
            reg,
            identifier,
            reg or "",
            name,
            limited(_clean(legal_representative), 100, HEADERS["legal_representative"]),
            region_id,
            limited(_clean(address), 300, HEADERS["address"]),
            limited(_clean(industry), 100, HEADERS["industry"]),
            status,
            established_on,
            _tags(raw_tags) if raw_tags else (),
        )

    def _kind(self, raw: str, code: str | None, number: int) -> str:
        by_code = _KIND_BY_CODE.get(code[:2]) if code else None
        if not raw:
            return str(by_code or TargetKind.ENTERPRISE)
        found = (self.mappings.kinds and self.mappings.kinds.get(_key(raw))) or map_kind(raw)
        if found:
            return found
        label = HEADERS["kind"]
        self.parsed.unmapped[(label, raw)] += 1
        fallback = by_code or TargetKind.OTHER
        self.warn(
            number,
            label,
            raw,
            _("对象类型“%(value)s”未能识别，暂记为%(kind)s；可在预览中指定其对应类型")
            % {"value": raw, "kind": TargetKind(fallback).label},
        )
        return str(fallback)

    def _status(self, raw: str, number: int) -> str:
        if not raw:
            return str(TargetStatus.ACTIVE)
        found = (self.mappings.statuses and self.mappings.statuses.get(_key(raw))) or map_status(raw)
        if found:
            return found
        label = HEADERS["status"]
        self.parsed.unmapped[(label, raw)] += 1
        self.warn(
            number,
            label,
            raw,
            _("登记状态“%(value)s”未能识别，暂记为存续；可在预览中指定其对应状态") % {"value": raw},
        )
        return str(TargetStatus.ACTIVE)


@lru_cache(maxsize=4096, typed=True)  # typed: 1 and True are equal keys but different cells
def _tags(raw: object) -> tuple[str, ...]:
    """A tag cell as names; cached, since a registry repeats a few combinations of tags."""
    return tuple(limited(t, 100, HEADERS["tags"]) for t in split_tags(raw))


class UnknownColumns(Exception):  # noqa: N818 - control flow: the file waits for the user's mapping
    """The file has columns nobody has mapped or ignored: nothing is imported until someone does."""

    def __init__(self, header: Header) -> None:
        super().__init__("unknown columns")
        self.header = header


def read_header(path: Path, mappings: Mappings | None = None) -> Header:
    """The file's header, every column mapped (unknown ones listed in `header.unknown`)."""
    with SheetReader(path) as reader:
        head: list[list[object]] = []
        for values in reader:
            head.append(values)
            if len(head) == HEADER_SCAN:
                break
    return find_header(head, SPEC, overrides=(mappings or Mappings()).headers)


def check_header(header: Header) -> None:
    """Refuse a header without the name column or any identifying column."""
    fields = header.fields
    if "name" not in fields or not (set(IDENTIFYING) & fields.keys()):
        raise Rejected(
            _("表头缺少“%(name)s”列，或“%(code)s”“%(reg)s”“%(id)s”列都没有")
            % {
                "name": HEADERS["name"],
                "code": HEADERS["credit_code"],
                "reg": HEADERS["registration_number"],
                "id": HEADERS["identifier"],
            }
        )


def parse_targets(
    path: Path,
    *,
    department: Department,
    mappings: Mappings | None = None,
    progress: Progress | None = None,
    every: int = 5000,
) -> ParsedTargets:
    """Read and validate every row; duplicates within the file are rejected after their first row."""
    parsed = ParsedTargets()
    for chunk in iter_targets(
        path, regions=RegionLookup(department.region), parsed=parsed, mappings=mappings, progress=progress, every=every
    ):
        parsed.rows += chunk
    return parsed


def iter_targets(
    path: Path,
    *,
    regions: RegionLookup,
    parsed: ParsedTargets,
    mappings: Mappings | None = None,
    progress: Progress | None = None,
    every: int = 5000,
    chunk_rows: int = 10_000,
) -> Generator[list[TargetRow]]:
    """The valid rows in chunks of about `chunk_rows`, counting rows and rejections in `parsed`.

    Touches no database (the region lookup is built by the caller), so it may run in a thread.
    A column still unknown after `mappings` raises UnknownColumns before any row is produced.
    """
    mappings = mappings or Mappings()
    with SheetReader(path) as reader:
        rows: Iterator[list[object]] = iter(reader)
        head: list[list[object]] = []
        for values in rows:
            head.append(values)
            if len(head) == HEADER_SCAN:
                break
        header = find_header(head, SPEC, overrides=mappings.headers)
        parsed.header = header
        check_header(header)
        if header.unknown:
            raise UnknownColumns(header)
        cols = {name: index for name, index in header.fields.items() if not name.startswith(NOT_STORED_PREFIX)}

        def data() -> Iterator[tuple[int, list[object]]]:
            for index in range(header.data_start, len(head)):
                yield index + 1, head[index]
            for index, values in enumerate(rows, start=len(head)):
                yield index + 1, values

        parse_row = RowParser(cols, regions, mappings, parsed, width=len(header.columns))
        seen: dict[str, dict[str, int]] = {key: {} for key in IDENTIFYING}
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
                for key, value in (
                    ("credit_code", row.credit_code),
                    ("registration_number", row.registration_number),
                    ("identifier", row.identifier),
                ):
                    if value:
                        first = seen[key].setdefault(value, number)
                        if first != number:
                            raise Rejected(
                                _("%(column)s%(value)s与第%(row)d行重复")
                                % {"column": HEADERS[key], "value": value, "row": first},
                                column=HEADERS[key],
                                value=value,
                            )
            except Rejected as exc:
                parsed.errors.append(RowError(number, str(exc), exc.column, exc.value))
            else:
                chunk.append(row)
                if len(chunk) == chunk_rows:
                    yield chunk
                    chunk = []
            if progress and parsed.total % every == 0:
                progress(parsed.total, len(parsed.errors))
        if chunk:
            yield chunk


def write_targets(rows: list[TargetRow], *, department: Department) -> tuple[int, int, int]:
    """Upsert the rows; returns (created, updated, unchanged). Call inside a transaction.

    Rows naming another department's target are skipped (see `_PostgresWriter.take_foreign`).
    """
    if not rows:
        return 0, 0, 0
    with _PostgresWriter(department) as writer:
        return writer.write(rows)


_STAGE_COLUMNS = ("row", *(f for f in DATA_FIELDS), "tags")


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_BATCH = 2000


def _pg_array(values: tuple[str, ...]) -> str:
    """A text[] literal: every element quoted, quotes and backslashes escaped."""
    if not values:
        return "{}"
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def copy_line(r: TargetRow) -> str:
    """One row in COPY's text format (tab-separated, \\N for NULL, backslash escapes)."""
    code, number, identifier, established_on = r.credit_code, r.registration_number, r.identifier, r.established_on
    fields = [
        str(r.row),
        r.kind,
        "\\N" if code is None else code,
        "\\N" if number is None else number,
        "\\N" if identifier is None else identifier,
        r.registration_no,
        r.name,
        r.legal_representative,
        str(r.region_id),
        r.address,
        r.industry,
        r.status,
        "\\N" if established_on is None else established_on.isoformat(),
        _pg_array(r.tags),
    ]
    line = "\t".join(fields)
    # Cell text has its whitespace collapsed, so escaping is rarely needed: then the only
    # backslashes are the NULL markers and the only tabs the separators.
    nulls = (code is None) + (number is None) + (identifier is None) + (established_on is None)
    if line.count("\\") != nulls or line.count("\t") != len(fields) - 1 or "\n" in line or "\r" in line:
        null_at = {2: code is None, 3: number is None, 4: identifier is None, 12: established_on is None}
        line = "\t".join(f if null_at.get(i) else f.translate(_COPY_ESCAPES) for i, f in enumerate(fields))
    return line + "\n"


_CREATE_STAGE = """
    CREATE TEMP TABLE target_stage (
        row integer, kind varchar(16), credit_code varchar(18), registration_number varchar(20),
        identifier varchar(64), registration_no varchar(20), name varchar(200),
        legal_representative varchar(100), region_id bigint, address varchar(300),
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


# (conflict key, the staged rows upserted by it): each row by its first identifier.
_KEYS = (
    ("credit_code", "credit_code IS NOT NULL"),
    ("registration_number", "credit_code IS NULL AND registration_number IS NOT NULL"),
    ("identifier", "credit_code IS NULL AND registration_number IS NULL"),
)
# The unique index each ON CONFLICT infers (the registration number's is partial).
_CONFLICT = {
    "credit_code": "(credit_code)",
    "registration_number": "(registration_number) WHERE registration_number IS NOT NULL",
    "identifier": "(identifier)",
}


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
            # Index probes on temporary tables without statistics look costly to the planner, which
            # then JIT-compiles them: half a second a statement for nothing. Until this transaction ends.
            cur.execute("SET LOCAL jit = off")
            cur.execute(_CREATE_STAGE)
            cur.execute(
                "CREATE TEMP TABLE target_found (row integer, id bigint, department_id bigint, link boolean)"
                " ON COMMIT DROP"
            )
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
                    SELECT s.row, COALESCE(
                        (SELECT ARRAY[t.id, t.department_id, 0] FROM registries_target t
                         WHERE t.credit_code = s.credit_code),
                        -- A target known by its registration number only: the credit code links to it.
                        CASE WHEN s.registration_number IS NOT NULL THEN
                            (SELECT ARRAY[t.id, t.department_id, 1] FROM registries_target t
                             WHERE t.registration_number = s.registration_number AND t.credit_code IS NULL)
                        END
                    ) AS found
                    FROM target_stage s WHERE s.credit_code IS NOT NULL
                    UNION ALL
                    SELECT s.row, (SELECT ARRAY[t.id, t.department_id, 0] FROM registries_target t
                                   WHERE t.registration_number = s.registration_number)
                    FROM target_stage s WHERE s.credit_code IS NULL AND s.registration_number IS NOT NULL
                    UNION ALL
                    SELECT s.row, (SELECT ARRAY[t.id, t.department_id, 0] FROM registries_target t
                                   WHERE t.identifier = s.identifier)
                    FROM target_stage s WHERE s.credit_code IS NULL AND s.registration_number IS NULL
                )
                INSERT INTO target_found SELECT row, found[1], found[2], found[3] = 1 FROM probe WHERE found IS NOT NULL
                """
            )
            # A registration number or identifier another target already holds is not this row's to
            # take (the targets may be duplicates; the duplicate check compares registration_no).
            cur.execute(
                """
                SELECT EXISTS (SELECT 1 FROM target_stage WHERE registration_number IS NOT NULL
                               OR credit_code IS NOT NULL AND identifier IS NOT NULL)
                """
            )
            if cur.fetchone()[0]:
                self._release_taken_identifiers(cur)

    @staticmethod
    def _release_taken_identifiers(cur: CursorWrapper) -> None:
        cur.execute(
            """
                UPDATE target_stage s SET
                    registration_number = CASE WHEN EXISTS (
                        SELECT 1 FROM registries_target t WHERE t.registration_number = s.registration_number
                          AND t.id IS DISTINCT FROM (SELECT f.id FROM target_found f WHERE f.row = s.row))
                        THEN NULL ELSE s.registration_number END,
                    identifier = CASE WHEN EXISTS (
                        SELECT 1 FROM registries_target t WHERE t.identifier = s.identifier
                          AND t.id IS DISTINCT FROM (SELECT f.id FROM target_found f WHERE f.row = s.row))
                        THEN NULL ELSE s.identifier END
                WHERE s.credit_code IS NOT NULL AND (s.registration_number IS NOT NULL OR s.identifier IS NOT NULL)
                   OR s.credit_code IS NULL AND s.registration_number IS NOT NULL AND s.identifier IS NOT NULL
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
        return [
            RowError(row, _("该对象已由%(name)s维护，不能由本部门导入修改") % {"name": name})
            for row, name in sorted(found)
        ]

    def upsert(self, staged: int) -> tuple[int, int, int]:
        """Upsert the staged rows (`staged` of them); returns (created, updated, unchanged)."""
        if not staged:
            return 0, 0, 0
        data = ", ".join(DATA_FIELDS)
        stored = ", ".join(f"t.{f}" for f in DATA_FIELDS)
        new_values = [
            f"COALESCE(EXCLUDED.{f}, t.{f})" if f in _KEPT_WHEN_BLANK else f"EXCLUDED.{f}" for f in DATA_FIELDS
        ]
        differs = f"({stored}) IS DISTINCT FROM ({', '.join(new_values)})"
        sets = ", ".join(f"{f} = {value}" for f, value in zip(DATA_FIELDS, new_values, strict=True))
        with connection.cursor() as cur:
            # A credit code for a target known by its registration number: written onto that target,
            # so that the upsert by credit code below updates it instead of adding a duplicate.
            cur.execute("SELECT EXISTS (SELECT 1 FROM target_found WHERE link)")
            if cur.fetchone()[0]:
                cur.execute(
                    """
                    WITH linked AS (
                        UPDATE registries_target t SET credit_code = s.credit_code, updated_at = %s
                        FROM target_found f JOIN target_stage s USING (row)
                        WHERE f.link AND t.id = f.id
                        RETURNING t.id
                    )
                    INSERT INTO target_touched SELECT id, false, 'link', NULL FROM linked
                    """,
                    [self.now],
                )
            # The history triggers' statements (old_values JOIN new_values) are planned once per
            # session and the plan is kept: planned for an empty transition table (an INSERT ... ON
            # CONFLICT fires the UPDATE trigger even when nothing was updated), it is a nested loop,
            # quadratic in the rows updated (10,000 changed rows took minutes). Replan them for
            # each chunk, for its row counts.
            # After the link's UPDATE, whose trigger run (often for no rows) planned them too.
            cur.execute("DISCARD PLANS")
            for key, condition in _KEYS:
                # xmax = 0 on the returned row: it was inserted, not updated. Rows equal to the stored
                # ones are not updated at all (the WHERE), so they are neither returned nor re-versioned.
                cur.execute(
                    f"""
                    WITH up AS (
                        INSERT INTO registries_target AS t ({data}, department_id, created_at, updated_at)
                        SELECT {data}, %s, %s, %s FROM target_stage WHERE {condition}
                        ON CONFLICT {_CONFLICT[key]}
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
                SELECT u.id, s.tags, NOT u.created FROM target_touched u
                JOIN target_stage s ON s.registration_number = u.key
                WHERE u.via = 'registration_number' AND s.credit_code IS NULL
                UNION
                SELECT u.id, s.tags, NOT u.created FROM target_touched u JOIN target_stage s ON s.identifier = u.key
                WHERE u.via = 'identifier' AND s.credit_code IS NULL AND s.registration_number IS NULL
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
    warnings: list[RowError] = field(default_factory=list)
    unmapped: Counter[tuple[str, str]] = field(default_factory=Counter)
    header: Header | None = None
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
    path: Path,
    *,
    department: Department,
    mappings: Mappings | None = None,
    progress: Progress | None = None,
    stop_on_error: bool = False,
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
        mappings=mappings,
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
    result.header = parsed.header
    result.total = parsed.total
    result.errors = sorted([*parsed.errors, *foreign], key=lambda e: e.row)
    result.warnings = sorted(parsed.warnings, key=lambda e: e.row)
    result.unmapped = parsed.unmapped
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

    language = translation.get_language()  # the messages of the rows are in the caller's language

    def produce() -> None:
        try:
            if language:
                translation.activate(language)
            for chunk in chunks:
                if not put(chunk):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consuming thread, raised there
            put(exc)
        finally:
            chunks.close()
            connections.close_all()  # this thread's own connections (progress), not the caller's
            translation.deactivate()

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
