"""Fast inserts of many rows with COPY (tens of thousands of drawn rows and team members per
round). Only for models without per-row Python logic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Field, Model


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """A value in COPY's text format: NULL as \\N, backslash and separators escaped."""
    if type(value) is int:  # most values: ids
        return str(value)
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, dt.datetime | dt.date | int | float | bool | Decimal):
        return str(value)
    raise TypeError(f"cannot COPY a {type(value).__name__}")


def _copy_column(values: list[Any]) -> list[str]:
    """One column in COPY's text format; C-level maps for the common columns (ids, one timestamp)."""
    if not values:
        return []
    first = values[0]
    if values.count(first) == len(values):  # a constant (the round, the time of matching)
        return [_copy_text(first)] * len(values)
    kinds = set(map(type, values))
    if kinds == {int}:
        return list(map(str, values))
    if kinds == {str}:
        return [v.translate(_ESCAPES) for v in values] if any(c in "".join(values) for c in "\\\t\n\r") else values
    return list(map(_copy_text, values))


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    columns = ", ".join(connection.ops.quote_name(_field(model, f).column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    rows = list(rows)
    if not rows:
        return
    # Column by column, then one text block: no per-value Python call, no write_row per row.
    texts = [_copy_column(list(column)) for column in zip(*rows, strict=True)]
    data = "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(data.encode())
