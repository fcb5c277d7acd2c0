from __future__ import annotations

import datetime as dt
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registries.importing.common import Rejected, guard, parse_date, split_tags, text
from registries.importing.workbook import WorkbookRefused, check_xlsx, find_header, read_sheet
from tests.registries.import_workbooks import write_xlsx


def refusal(path: Path) -> str:
    with pytest.raises(WorkbookRefused) as info:
        read_sheet(path)
    return str(info.value)


def test_it_fills_merged_cells_and_finds_the_header_below_a_title(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [["阳城县检查对象名录库"], ["统一社会信用代码", "对象名称"], ["91140522", "甲"], ["", "乙"]],
        merges=["A1:B1", "A3:A4"],
    )
    rows = read_sheet(path)
    assert rows[0] == ["阳城县检查对象名录库", "阳城县检查对象名录库"]
    assert rows[3] == ["91140522", "乙"]
    assert find_header(rows, {"code": {"统一社会信用代码"}, "name": {"对象名称", "名称"}}) == (
        1,
        {"code": 0, "name": 1},
    )


def test_it_matches_a_two_row_header_with_a_merged_group_cell(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [["序号", "抽查事项", "", "检查对象"], ["", "事项名称", "检查内容", ""], [1, "名称", "内容", "企业"]],
        merges=["A1:A2", "B1:C1", "D1:D2"],
    )
    rows = read_sheet(path)
    header, cols = find_header(
        rows, {"number": {"序号"}, "name": {"事项名称", "抽查事项"}, "content": {"检查内容"}, "object": {"检查对象"}}
    )
    assert header == 1
    assert cols == {"number": 0, "name": 1, "content": 2, "object": 3}


def test_it_refuses_a_sheet_without_a_recognisable_header() -> None:
    with pytest.raises(WorkbookRefused, match="未找到表头"):
        find_header([["a", "b"], [1, 2]], {"code": {"统一社会信用代码"}, "name": {"对象名称"}})


def test_it_refuses_formula_cells_naming_the_cell(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "f.xlsx", [["对象名称"], ["甲"], ['=A2&"公司"']], formulas=True)
    assert refusal(path) == "工作表含有公式（单元格A3）：请复制后“选择性粘贴为数值”再导入"


def test_it_refuses_files_that_are_not_tables(tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    assert "无法识别文件编码" in refusal(tmp_path / "a.xlsx")
    (tmp_path / "b.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    assert refusal(tmp_path / "b.xls") == "文件已损坏或已加密，无法读取工作表"
    with zipfile.ZipFile(tmp_path / "c.xlsx", "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    assert refusal(tmp_path / "c.xlsx") == "文件不是Excel工作簿（.xlsx）格式"


def test_it_refuses_files_above_the_upload_limit(tmp_path: Path, settings: Any) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    path = write_xlsx(tmp_path / "a.xlsx", [["对象名称"], *[[f"企业{n}"] for n in range(500)]])
    assert refusal(path).startswith("文件过大")


def _with_member(src: Path, dest: Path, name: str, data: bytes) -> Path:
    """Copy a real workbook, replacing (or adding) one member."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != name:
                zout.writestr(info, zin.read(info))
        zout.writestr(name, data)
    return dest


def test_it_refuses_a_zip_bomb_quickly_without_inflating_it(tmp_path: Path) -> None:
    base = write_xlsx(tmp_path / "a.xlsx", [["对象名称"], ["甲"]])
    bomb = _with_member(base, tmp_path / "bomb.xlsx", "xl/worksheets/sheet2.xml", b"<a>" + b" " * 300_000_000 + b"</a>")
    assert bomb.stat().st_size < 1_000_000
    started = time.monotonic()
    assert "压缩炸弹" in refusal(bomb)
    assert time.monotonic() - started < 1


def test_it_refuses_a_total_unpacked_size_above_the_limit(tmp_path: Path, settings: Any) -> None:
    settings.IMPORT_MAX_UNPACKED_BYTES = 10_000
    base = write_xlsx(tmp_path / "a.xlsx", [["对象名称"], *[[f"企业{n}"] for n in range(2000)]])
    assert "解压后过大" in refusal(base)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&lol3;</t></si></sst>
"""


@pytest.mark.parametrize("member", ["xl/sharedStrings.xml", "xl/workbook.xml", "[Content_Types].xml"])
def test_it_refuses_xml_entities_billion_laughs(tmp_path: Path, member: str) -> None:
    base = write_xlsx(tmp_path / "a.xlsx", [["对象名称"], ["甲"]])
    evil = _with_member(base, tmp_path / "evil.xlsx", member, BILLION_LAUGHS)
    assert refusal(evil) == "文件含有不允许的XML实体或文档类型定义，拒绝导入"


def test_it_refuses_a_sparse_sheet_that_would_allocate_a_huge_grid(tmp_path: Path, settings: Any) -> None:
    base = write_xlsx(tmp_path / "a.xlsx", [["对象名称"], ["甲"]])
    with zipfile.ZipFile(base) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    far = '<row r="3000000"><c r="A3000000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    evil = _with_member(
        base, tmp_path / "far.xlsx", "xl/worksheets/sheet1.xml", sheet.replace("</sheetData>", far).encode()
    )
    assert "行数过多" in refusal(evil)
    wide = '<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    evil = _with_member(
        base, tmp_path / "wide.xlsx", "xl/worksheets/sheet1.xml", sheet.replace("</sheetData>", wide).encode()
    )
    assert "列数过多" in refusal(evil)


def test_check_xlsx_accepts_an_ordinary_workbook(tmp_path: Path) -> None:
    check_xlsx(write_xlsx(tmp_path / "a.xlsx", [["对象名称"], ["甲"]]))


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)), st.sampled_from(["-", "/", "."]))
def test_it_parses_the_date_texts_bureaus_type(day: dt.date, sep: str) -> None:
    assert parse_date(f"{day.year}{sep}{day.month}{sep}{day.day}", "成立日期") == day
    assert parse_date(f"{day.year}年{day.month}月{day.day}日", "成立日期") == day
    assert parse_date(day.strftime("%Y%m%d"), "成立日期") == day
    assert parse_date(dt.datetime.combine(day, dt.time()), "成立日期") == day


@given(st.text(max_size=12))
def test_a_date_cell_is_a_date_none_or_a_chinese_rejection(raw: str) -> None:
    try:
        result = parse_date(raw, "成立日期")
    except Rejected as exc:
        assert "成立日期" in str(exc)
    else:
        assert result is None or isinstance(result, dt.date)


@given(
    st.lists(st.text(alphabet="粮食收购企业加油站危化品 ", min_size=1, max_size=6), max_size=5),
    st.sampled_from(["；", ";", "、"]),
)
def test_tags_split_on_every_separator_bureaus_use(names: list[str], sep: str) -> None:
    expected = {" ".join(n.split()) for n in names} - {""}
    assert set(split_tags(sep.join(names))) == expected


@given(st.text(max_size=20))
def test_guarded_values_read_back_unchanged(value: str) -> None:
    guarded = guard(value)
    assert isinstance(guarded, str)
    assert not guarded.startswith(("=", "+", "-", "@"))
    # Cells are read back with runs of spaces collapsed and control characters removed.
    if " ".join(value.split()) == value and value.isprintable():
        assert text(guarded) == value


def test_it_counts_rows_and_columns_from_a1_when_the_sheet_starts_further_in(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [[], [], ["", "", "对象名称"], ["", "", "甲", "乙"]], merges=["C3:C4"])
    rows = read_sheet(path)
    assert rows[2][2] == "对象名称"
    assert rows[3] == ["", "", "对象名称", "乙"]
