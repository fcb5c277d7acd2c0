"""`registries.xlsx.safe_cell`: whatever text is stored, the export cell is written, reopens, and is no formula."""

from __future__ import annotations

import io

import openpyxl
from hypothesis import given
from hypothesis import strategies as st

from registries.importing.common import guard
from registries.xlsx import clean_text, safe_cell, safe_row


def _round_trip(values: list[object]) -> list[object]:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(safe_row(values))
    buffer = io.BytesIO()
    book.save(buffer)
    again = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert again is not None
    assert all(cell.data_type != "f" for row in again.iter_rows() for cell in row)
    return [cell.value for cell in again[1]]


def test_it_drops_control_characters_and_noncharacters() -> None:
    assert safe_cell("\x01\x02阳城县凤城粮油贸易有限公司") == "阳城县凤城粮油贸易有限公司"
    assert safe_cell("库存账实不符\x07") == "库存账实不符"
    assert safe_cell("仓库\uffff编号\ufffe") == "仓库编号"
    # Line breaks and tabs inside a text are kept: findings have paragraphs.
    assert safe_cell("一、未公示年报；\n二、账实不符") == "一、未公示年报；\n二、账实不符"
    assert safe_cell("一、未公示年报；\r\n二、账实不符") == "一、未公示年报；\n二、账实不符"


def test_it_neutralises_formulas_also_behind_a_control_character() -> None:
    assert safe_cell('=HYPERLINK("http://evil.invalid")粮油公司') == '\'=HYPERLINK("http://evil.invalid")粮油公司'
    assert safe_cell("\x01=1+1") == "'=1+1"
    assert safe_cell("+86 0356") == "'+86 0356"


def test_it_leaves_numbers_dates_and_empty_cells_alone() -> None:
    import datetime as dt

    assert safe_row([3, 83.3, None, dt.date(2026, 5, 20)]) == [3, 83.3, None, dt.date(2026, 5, 20)]


def test_a_workbook_with_every_bad_character_reopens() -> None:
    stored = ["\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x1f名称", "\ud7ff\ue000\ufffd\U0001f600", "=SUM(A1)"]
    assert _round_trip(stored) == ["名称", "\ud7ff\ue000\ufffd\U0001f600", "'=SUM(A1)"]


@given(st.text(max_size=200))
def test_any_stored_text_is_written_and_read_back_as_its_cleaned_text(text: str) -> None:
    expected = guard(clean_text(text))
    (value,) = _round_trip([text])
    # openpyxl reads an empty string back as an empty cell.
    assert (value or "") == expected
