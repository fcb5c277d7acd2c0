"""What every registry import shares: rejected rows, results, cell parsing."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from registries.importing.workbook import clean_text, strip_controls

# Export prefixes these with an apostrophe so no spreadsheet reads them as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
TAG_SEPARATORS = re.compile(r"[；;、，,\n]+")
Progress = Callable[[int, int], None]  # (rows done, rows rejected)


@dataclass
class RowError:
    row: int  # the Excel row number the user sees
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "message": self.message}

    def __str__(self) -> str:
        return f"第{self.row}行：{self.message}"


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False  # whether anything was written (not a preview, not refused as a whole)
    message: str = ""

    @property
    def rejected(self) -> int:
        return len(self.errors)


class Rejected(ValueError):  # noqa: N818 - a row is rejected, not an error of the program
    """One row cannot be imported; the message says why, in Chinese."""


class Rollback(Exception):  # noqa: N818 - control flow, never shown
    """Raised inside a transaction to undo a preview or an all-or-nothing import with errors."""


def text(value: object) -> str:
    """A cell as clean text; an exported apostrophe guard before a formula character is dropped."""
    # The common case (a str cell) without clean_text's type checks.
    result = " ".join(strip_controls(value).split()) if isinstance(value, str) else clean_text(value)
    if result[:1] == "'" and result[1:2] and result[1] in FORMULA_TRIGGERS:
        return result[1:]
    return result


def guard(value: object) -> object:
    """Neutralise formula injection: a text cell starting with = + - @ or a control character."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def limited(value: str, max_length: int, label: str) -> str:
    if len(value) > max_length:
        raise Rejected(f"{label}过长（{len(value)}个字，最多{max_length}个字）")
    return value


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_date(value: object, label: str) -> dt.date | None:
    """Date cells, and the texts bureaus type: 2019-03-05, 2019/3/5, 2019.3.5, 2019年3月5日, 20190305."""
    if value is None or value == "":
        return None
    if value.__class__ is str and len(value) == 10 and value[4] == "-" == value[7]:  # type: ignore[index,arg-type]
        try:
            return dt.date.fromisoformat(value)  # type: ignore[arg-type]
        except ValueError:
            pass
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value)
    if not raw:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        raw = str(int(value))
    match = _DATE_TEXT.match(raw)
    try:
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if len(raw) == 8 and raw.isdigit():
            return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        pass
    raise Rejected(f"{label}“{raw}”不是有效日期（应如2019-03-05）")


def split_tags(value: object) -> tuple[str, ...]:
    if not value:
        return ()
    names = (t.strip() for t in TAG_SEPARATORS.split(text(value)))
    return tuple(sorted({n for n in names if n}))


def is_blank(row: list[object]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def cell(row: list[object], index: int | None) -> object:
    if index is None or index >= len(row):
        return ""
    return row[index]
