"""COPY text format for the bulk inserts of a draw."""

from __future__ import annotations

import datetime as dt

import pytest

from inspections.bulk import _copy_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "\\N"),
        (12, "12"),
        ("91140522MA0K000001", "91140522MA0K000001"),
        ("a\tb\nc\\d\re", "a\\tb\\nc\\\\d\\re"),
        ("凤城镇", "凤城镇"),
        (dt.date(2026, 3, 1), "2026-03-01"),
        (dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC), "2026-03-01 08:30:00+00:00"),
    ],
)
def test_it_writes_values_in_copy_text_format(value: object, text: str) -> None:
    assert _copy_text(value) == text


def test_it_refuses_a_value_it_cannot_write() -> None:
    with pytest.raises(TypeError):
        _copy_text(object())
