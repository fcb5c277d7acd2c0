"""Column discovery for the checklist and plan tables: headers found, not guessed.

A header may sit under title rows and span two rows (a merged group cell above its
sub-columns). Each header is normalised (width, brackets, spaces, punctuation) and matched
by synonyms first, then by keywords. Every column of the file is accounted for: matched to
a field, ignored on the user's word, or returned as unknown so that the caller can refuse
the file or ask the user to map it. Labels shown to users are Chinese, never field names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

IGNORE = "__ignore__"


@dataclass(frozen=True)
class Column:
    """One field of a table: its Chinese label, the header texts that name it, and keywords.

    `keywords` are tuples of words that must all appear in a header for it to match when no
    synonym did, e.g. ("信用", "风险") for 是否运用信用风险分类结果.
    """

    field: str
    label: str
    synonyms: tuple[str, ...] = ()
    keywords: tuple[tuple[str, ...], ...] = ()


_PUNCTUATION = re.compile(r"[\s*＊:：、,，;；.。/／\\|()（）\[\]【】<>《》{}\"'“”‘’?？!！·_\-—～~]+")


def header_key(value: object) -> str:
    """A header compared without width, case, spaces, line breaks, brackets or punctuation."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).lower()
    return _PUNCTUATION.sub("", text)


@dataclass
class HeaderColumn:
    index: int
    text: str  # as written (both rows of a two-row header joined with " / ")
    field: str | None  # None: unknown; IGNORE: the user said to ignore it
    how: str = ""  # "synonym", "keyword", "mapped" or ""


@dataclass
class HeaderMatch:
    first_row: int  # index of the header's first row
    last_row: int  # index of the header's last row: data starts below it
    columns: dict[str, int]  # field -> column index
    headers: list[HeaderColumn] = field(default_factory=list)

    @property
    def unknown(self) -> list[HeaderColumn]:
        return [h for h in self.headers if h.field is None]


def _text(value: object) -> str:
    return " ".join(("" if value is None else str(value)).split())


class ColumnSet:
    """The columns of one kind of table, matched against the header rows of a file."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns = list(columns)
        self.by_field = {c.field: c for c in self.columns}
        self._synonyms: dict[str, str] = {}
        for column in self.columns:
            for text in (column.label, *column.synonyms):
                self._synonyms.setdefault(header_key(text), column.field)

    def label(self, name: str) -> str:
        column = self.by_field.get(name)
        return column.label if column else name

    def field_for(self, text: str) -> str | None:
        """A field named by `text`: its label, a synonym, or the field name itself (for --map)."""
        key = header_key(text)
        if key in self._synonyms:
            return self._synonyms[key]
        return text if text in self.by_field else None

    def _match(self, text: str, overrides: Mapping[str, str], taken: set[str]) -> tuple[str | None, str]:
        key = header_key(text)
        if not key:
            return None, ""
        if key in overrides:
            return overrides[key], "mapped"
        found = self._synonyms.get(key)
        if found and found not in taken:
            return found, "synonym"
        for column in self.columns:
            if column.field in taken:
                continue
            if any(all(header_key(word) in key for word in words) for words in column.keywords):
                return column.field, "keyword"
        return None, ""

    def match_rows(
        self, upper: Sequence[object], lower: Sequence[object] | None, overrides: Mapping[str, str]
    ) -> list[HeaderColumn]:
        """Every non-blank header cell of one row (or two rows), matched left to right."""
        width = max(len(upper), len(lower or ()))
        taken: set[str] = set()
        found: list[HeaderColumn] = []
        for index in range(width):
            top = _text(upper[index]) if index < len(upper) else ""
            bottom = _text(lower[index]) if lower is not None and index < len(lower) else ""
            if lower is None:
                tries = [top]
                shown = top
            else:
                # the sub-column first (事项名称 under 抽查事项), then both joined, then the group cell
                tries = [t for t in (bottom, top + bottom, top) if t]
                shown = " / ".join(dict.fromkeys(t for t in (top, bottom) if t))
            if not shown:
                continue
            for candidate in tries:
                name, how = self._match(candidate, overrides, taken)
                if name is not None:
                    break
            if name is not None and name != IGNORE:
                taken.add(name)
            found.append(HeaderColumn(index=index, text=shown, field=name, how=how))
        return found

    def find_header(
        self, rows: Sequence[Sequence[object]], *, overrides: Mapping[str, str] | None = None, scan: int = 12
    ) -> HeaderMatch | None:
        """The header among the first `scan` rows: the row (or pair of rows) naming the most fields.

        `overrides` maps a header (as header_key) to a field or IGNORE: the user's mapping.
        Returns None when no row names at least two fields.
        """
        overrides = {header_key(k): v for k, v in (overrides or {}).items()}
        window = list(rows[:scan])

        def score(headers: list[HeaderColumn]) -> int:
            return len({h.field for h in headers if h.field and h.field != IGNORE})

        singles = [self.match_rows(row, None, overrides) for row in window]
        candidates: list[tuple[int, int, list[HeaderColumn]]] = [(i, i, h) for i, h in enumerate(singles)]
        for index in range(len(window) - 1):
            double = self.match_rows(window[index], window[index + 1], overrides)
            # a pair of rows counts only when it names more fields than either row alone
            if score(double) > max(score(singles[index]), score(singles[index + 1])):
                candidates.append((index, index + 1, double))
        best: HeaderMatch | None = None
        best_score = 1
        for first, last, headers in candidates:
            if score(headers) > best_score or (
                best is not None and score(headers) == best_score and (first, last) < (best.first_row, best.last_row)
            ):
                best_score = score(headers)
                best = HeaderMatch(
                    first_row=first,
                    last_row=last,
                    columns={h.field: h.index for h in headers if h.field and h.field != IGNORE},
                    headers=headers,
                )
        return best


def parse_assignments(
    columns: ColumnSet, maps: Sequence[str] = (), ignores: Sequence[str] = ()
) -> tuple[dict[str, str], list[str]]:
    """`--map 'HEADER=field'` and `--ignore 'HEADER'` options as overrides; problems in Chinese."""
    overrides: dict[str, str] = {}
    problems: list[str] = []
    for item in maps:
        header, sep, target = item.partition("=")
        name = columns.field_for(target.strip()) if sep else None
        if not sep or not header.strip():
            problems.append(_("映射“%(m)s”应写作 表头=字段") % {"m": item})
        elif name is None:
            labels = "、".join(c.label for c in columns.columns)
            problems.append(_("映射“%(m)s”中的字段“%(f)s”不存在，可用：%(l)s") % {"m": item, "f": target, "l": labels})
        else:
            overrides[header_key(header)] = name
    for header in ignores:
        overrides[header_key(header)] = IGNORE
    return overrides, problems


def describe(columns: ColumnSet, match: HeaderMatch) -> list[str]:
    """One line per column of the file: 'header → label' (or unknown / ignored), for dry runs."""
    lines = []
    for h in match.headers:
        if h.field is None:
            target = _("未识别")
        elif h.field == IGNORE:
            target = _("忽略")
        else:
            target = columns.label(h.field)
        lines.append(f"{h.text} → {target}")
    return lines


def unknown_message(match: HeaderMatch) -> str:
    names = "、".join(f"“{h.text}”" for h in match.unknown)
    return _("无法识别的列：%(c)s。请用 --map '表头=字段' 指定对应字段，或用 --ignore '表头' 忽略") % {"c": names}
