"""Finding and reading the header of a bureau's table, whatever its spelling.

Every importer (targets, inspectors, checklist items, plans) uses the same three steps:

1. ``normalise_header(text)`` -> the comparison key of a header text: NFKC (full-width to
   half-width), brackets, spaces, line breaks, punctuation and symbols removed, ASCII lower-cased.
   ``住所（经营场所）``, ``住所(经营场所)`` and ``住 所\\n经营场所`` all give ``住所经营场所``.
2. ``HeaderSpec`` declares a registry's canonical columns once: per field its Chinese label (the
   only name users see), its exact synonyms and its keywords. ``spec.match(text)`` maps one
   header to a field: exact synonyms first, then keywords (the longest keyword wins; a tie
   between two fields is no match).
3. ``find_header(rows, spec)`` finds the header among the first rows (skipping title rows),
   joins a two-row header (a merged group cell such as 检查对象 above 名称 | 统一社会信用代码) and
   maps every physical column: a ``Header`` with ``data_start`` (index of the first data row)
   and one ``ColumnMatch`` per column, unknown columns included (``header.unknown``). Columns
   the user has mapped or ignored (``overrides``: normalised header -> field, or ``IGNORE``)
   are applied before the automatic match.

Nothing here touches the database; a refused file raises ``WorkbookRefused`` (in Chinese).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from registries.importing.workbook import WorkbookRefused, clean_text

IGNORE = "-"  # the value of an override that says: this column is not imported
_ASCII_LOWER = str.maketrans({chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)})
_DROPPED_CATEGORIES = ("P", "Z", "C", "S")  # punctuation/brackets, separators, controls, symbols


def normalise_header(text: object) -> str:
    """The comparison key of a header cell (idempotent: normalising a key returns it)."""
    raw = unicodedata.normalize("NFKC", clean_text(text))
    kept = "".join(ch for ch in raw if not ch.isspace() and unicodedata.category(ch)[0] not in _DROPPED_CATEGORIES)
    # Removing a character may let the next one compose with the previous: normalise again.
    return unicodedata.normalize("NFKC", kept).translate(_ASCII_LOWER)


@dataclass(frozen=True)
class Column:
    """A canonical field of a registry: its label as users read it, synonyms and keywords."""

    field: str
    label: str
    synonyms: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


class HeaderSpec:
    """The canonical columns of one registry, matched by exact synonym, then by keyword."""

    def __init__(self, columns: Iterable[Column]) -> None:
        self.columns = {c.field: c for c in columns}
        self._exact: dict[str, str] = {}
        for column in self.columns.values():
            for text in (column.label, *column.synonyms):
                self._exact.setdefault(normalise_header(text), column.field)
        self._keywords = sorted(
            ((normalise_header(k), c.field) for c in self.columns.values() for k in c.keywords),
            key=lambda kw: -len(kw[0]),
        )

    def label(self, field_name: str) -> str:
        """The Chinese label of a field (what users see instead of the field's internal name)."""
        return self.columns[field_name].label

    def match(self, text: object) -> tuple[str | None, str]:
        """(field, how) for one header: how is "exact", "keyword" or "" when nothing matched."""
        key = text if isinstance(text, str) and text == normalise_header(text) else normalise_header(text)
        if not key:
            return None, ""
        found = self._exact.get(key)
        if found:
            return found, "exact"
        best: set[str] = set()
        best_length = 0
        for keyword, field_name in self._keywords:
            if len(keyword) < best_length:
                break
            if keyword and keyword in key:
                best.add(field_name)
                best_length = len(keyword)
        if len(best) == 1:
            return best.pop(), "keyword"
        return None, ""


@dataclass
class ColumnMatch:
    """One physical column: its header as written, its key, and the field it maps to."""

    index: int
    header: str  # as written; a two-row header joined as 检查对象/名称
    key: str  # normalise_header of the header: what a saved mapping is keyed by
    field: str | None = None
    how: str = ""  # exact | keyword | mapped (by the user or a saved mapping) | ignored | duplicate | ""

    @property
    def unknown(self) -> bool:
        return self.field is None and self.how != "ignored"


@dataclass
class Header:
    rows: tuple[int, ...]  # indexes of the header rows (one or two)
    data_start: int  # index of the first data row
    columns: list[ColumnMatch] = field(default_factory=list)

    @property
    def fields(self) -> dict[str, int]:
        """Field -> column index, for the columns that map to a field."""
        return {c.field: c.index for c in self.columns if c.field}

    @property
    def unknown(self) -> list[ColumnMatch]:
        """Columns with a header that maps to nothing and that nobody said to ignore."""
        return [c for c in self.columns if c.unknown and c.header]

    @property
    def mapping(self) -> dict[str, str]:
        """Normalised header -> field or IGNORE, for every decided column (to save per department)."""
        return {c.key: c.field or IGNORE for c in self.columns if c.key and (c.field or c.how == "ignored")}


def _parts(top: Sequence[object] | None, sub: Sequence[object], index: int) -> tuple[str, str]:
    """(top, sub) texts of one column of a candidate header; top is "" for a one-row header."""
    lower = clean_text(sub[index]) if index < len(sub) else ""
    upper = clean_text(top[index]) if top is not None and index < len(top) else ""
    if upper == lower:  # a cell merged over both rows is filled into both
        upper = ""
    return upper, lower


def _match_parts(spec: HeaderSpec, upper: str, lower: str) -> tuple[str | None, str, str]:
    """(field, how, joined header) for one column: the sub-header first, then both, then the group."""
    joined = f"{upper}/{lower}" if upper and lower else upper or lower
    for candidate in (lower, f"{upper}{lower}", upper):
        if candidate:
            found, how = spec.match(candidate)
            if found:
                return found, how, joined
    return None, "", joined


def _is_title(row: Sequence[object]) -> bool:
    """A title row: one text (a merged cell filled across, or a single cell), or nothing."""
    texts = {clean_text(v) for v in row} - {""}
    return len(texts) <= 1


def _map(
    spec: HeaderSpec, top: Sequence[object] | None, sub: Sequence[object], overrides: Mapping[str, str]
) -> list[ColumnMatch]:
    width = max(len(sub), len(top) if top is not None else 0)
    # Trailing columns without any header text are not columns of the table.
    while width and not any(_parts(top, sub, width - 1)):
        width -= 1
    columns: list[ColumnMatch] = []
    taken: dict[str, ColumnMatch] = {}
    for index in range(width):
        upper, lower = _parts(top, sub, index)
        found, how, joined = _match_parts(spec, upper, lower)
        key = normalise_header(joined)
        column = ColumnMatch(index, joined, key)
        override = overrides.get(key) if key else None
        if override == IGNORE:
            column.how = "ignored"
        elif override and override in spec.columns:
            column.field, column.how = override, "mapped"
        elif found:
            column.field, column.how = found, how
        columns.append(column)
    # One column per field: a user's mapping beats an exact match, which beats a keyword.
    rank = {"mapped": 0, "exact": 1, "keyword": 2}
    for column in sorted((c for c in columns if c.field), key=lambda c: (rank[c.how], c.index)):
        assert column.field is not None
        if column.field in taken:
            column.field, column.how = None, "duplicate"
        else:
            taken[column.field] = column
    return columns


def find_header(
    rows: Sequence[Sequence[object]],
    spec: HeaderSpec,
    *,
    overrides: Mapping[str, str] | None = None,
    scan: int = 15,
    min_fields: int = 2,
) -> Header:
    """Find the header among the first `scan` rows and map every column of it.

    A candidate is one row, or two rows (a group header above sub-headers); it scores the
    number of distinct fields its columns map to (by synonym or keyword). The best score wins,
    the earlier header on a tie; two rows only when the upper row adds fields to the lower one
    (a cell merged over both rows is filled into both). Title rows (one text across the sheet)
    are never the upper row of a header. Raises WorkbookRefused when no
    candidate maps at least `min_fields` fields.
    """
    overrides = overrides or {}
    window = list(rows[:scan])
    best: tuple[int, int, Header] | None = None  # (score, -end row, header)
    for end, sub in enumerate(window):
        single = _map(spec, None, sub, overrides)
        score = len({c.field for c in single if c.field})
        header = Header((end,), end + 1, single)
        if end and not _is_title(window[end - 1]):
            joined = _map(spec, window[end - 1], sub, overrides)
            joined_score = len({c.field for c in joined if c.field})
            if joined_score > score:  # the upper row is a group header above this one
                score, header = joined_score, Header((end - 1, end), end + 1, joined)
        if best is None or (score, -end) > best[:2]:
            best = (score, -end, header)
    if best is None or best[0] < min_fields:
        expected = "、".join(c.label for c in list(spec.columns.values())[:4])
        raise WorkbookRefused(
            _("未找到表头：前%(scan)d行中没有包含“%(expected)s”等列的行") % {"scan": scan, "expected": expected}
        )
    return best[2]


def describe(header: Header, spec: HeaderSpec) -> list[tuple[str, str]]:
    """(column as written, what it maps to) for every column, in Chinese, for previews and dry runs."""
    described = []
    for column in header.columns:
        if column.field:
            target = spec.label(column.field)
        elif column.how == "ignored":
            target = _("（忽略）")
        elif column.how == "duplicate":
            target = _("（重复列，未导入）")
        elif column.header:
            target = _("（未识别）")
        else:
            continue
        described.append((column.header, target))
    return described
