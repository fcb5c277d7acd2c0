"""What every registry import shares: rejected rows, results, cell parsing."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from registries.importing.workbook import clean_text, strip_controls

# Export prefixes these with an apostrophe so no spreadsheet reads them as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
TAG_SEPARATORS = re.compile(r"[；;、，,\n]+")
Progress = Callable[[int, int], None]  # (rows done, rows rejected)


@dataclass
class RowError:
    """A rejected (or, in a list of warnings, a warned) row: where, the cell as written, why."""

    row: int  # the Excel row number the user sees
    message: str
    column: str = ""  # the column's Chinese label
    value: str = ""  # the cell as written

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "message": self.message, "column": self.column, "value": self.value}

    def __str__(self) -> str:
        if self.column:
            return _("第%(row)d行（%(column)s）：%(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("第%(row)d行：%(message)s") % {"row": self.row, "message": self.message}


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    # Every column of the file: {"header", "maps_to", "how", "key"}; the values nothing mapped.
    columns: list[dict[str, str]] = field(default_factory=list)
    unmapped_values: list[dict[str, object]] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    applied: bool = False  # whether anything was written (not a preview, not refused as a whole)
    message: str = ""

    @property
    def rejected(self) -> int:
        return len(self.errors)


class Rejected(ValueError):  # noqa: N818 - a row is rejected, not an error of the program
    """One row cannot be imported; the message says why, in Chinese (with the column and cell)."""

    def __init__(self, message: str, *, column: str = "", value: str = "") -> None:
        super().__init__(message)
        self.column = column
        self.value = value


class Rollback(Exception):  # noqa: N818 - control flow, never shown
    """Raised inside a transaction to undo a preview or an all-or-nothing import with errors."""


def text(value: object) -> str:
    """A cell as clean text; an exported apostrophe guard before a formula character is dropped."""
    # The common case (a str cell) without clean_text's type checks.
    result = " ".join(strip_controls(value).split()) if isinstance(value, str) else clean_text(value)
    if result[:1] == "'" and result[1:2] and result[1] in FORMULA_TRIGGERS:
        return result[1:]
    return result


_SCIENTIFIC = re.compile(r"^(\d+)(?:\.(\d+))?[eE]\+?(\d+)$")
_MAX_EXACT = 2**53  # every integer below is exact in a double


def recover_number(value: object) -> tuple[str, bool]:
    """An official number from a cell Excel may have turned into a number: (text, digits lost).

    A float holding an integer below 2**53 is exact (a 15-digit 注册号 always is): its digits.
    Larger floats (an 18-digit code) and scientific-notation text that does not write every
    digit (1.10105E+14, as a CSV saved by Excel shows it) have lost digits.
    """
    if isinstance(value, bool):
        return text(value), False
    if isinstance(value, int):
        return str(value), False
    if isinstance(value, float):
        if not value.is_integer() or value < 0:
            return text(value), False
        if value >= _MAX_EXACT:
            return repr(value), True
        return str(int(value)), False
    raw = text(value)
    if raw[-2:] == ".0" and raw[:-2].isdigit():  # 110105000123456.0 exported as text
        return raw[:-2], False
    found = _SCIENTIFIC.match(raw)
    if found:
        whole, fraction, exponent = found[1], found[2] or "", int(found[3])
        try:
            number = Decimal(raw)
        except InvalidOperation:  # pragma: no cover - the pattern is a valid decimal
            return raw, False
        if number != number.to_integral_value():
            return raw, False
        digits = str(int(number))
        written = len((whole + fraction).lstrip("0"))
        return (digits, False) if written >= len(digits) and exponent < 30 else (raw, True)
    return raw, False


def guard(value: object) -> object:
    """A text cell made safe to write: control characters removed (no workbook can hold them) and
    formula injection neutralised (a text starting with = + - @ or a line break gets an apostrophe).
    """
    if isinstance(value, str):
        value = strip_controls(value)
        if value.startswith(FORMULA_TRIGGERS):
            return "'" + value
    return value


def limited(value: str, max_length: int, label: str) -> str:
    if len(value) > max_length:
        raise Rejected(
            _("%(label)s过长（%(n)d个字，最多%(max)d个字）") % {"label": label, "n": len(value), "max": max_length}
        )
    return value


_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*[T ]?\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)


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
    raise Rejected(_("%(label)s“%(value)s”不是有效日期（应如2019-03-05）") % {"label": label, "value": raw})


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
