"""The shared header reader: normalisation, header rows, synonyms and keywords."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registries.importing.headers import IGNORE, Column, HeaderSpec, describe, find_header, normalise_header
from registries.importing.workbook import WorkbookRefused

SPEC = HeaderSpec(
    [
        Column("credit_code", "统一社会信用代码", ("社会信用代码", "UNISCID", "TYXYDM"), ("信用代码",)),
        Column("name", "对象名称", ("名称", "企业名称", "ENTNAME", "QYMC"), ("名称",)),
        Column("address", "住所（经营场所）", ("住所", "DOM"), ("住所", "地址")),
        Column("status", "登记状态", ("REGSTATE",), ("状态",)),
    ]
)

WIDE = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}  # ASCII -> full-width forms


def test_width_brackets_spaces_and_line_breaks_compare_equal() -> None:
    variants = ["住所（经营场所）", "住所(经营场所)", " 住 所\n（经营场所）", "住所【经营场所】", "*住所(经营场所)："]
    assert {normalise_header(v) for v in variants} == {"住所经营场所"}
    assert normalise_header("ＵＮＩＳＣＩＤ") == normalise_header("uniscid") == "uniscid"


@given(st.text())
def test_normalising_is_idempotent(text: str) -> None:
    once = normalise_header(text)
    assert normalise_header(once) == once


header_text = st.text(alphabet=st.characters(whitelist_categories=("Lo", "Lu", "Ll", "Nd")), min_size=1, max_size=12)


@given(header_text, st.sampled_from(["()", "（）", "[]", "【】", "〔〕"]), st.sampled_from(["", " ", "\n", "\u3000"]))
def test_width_bracket_and_space_variants_map_equal(text: str, brackets: str, space: str) -> None:
    wide = text.translate(str.maketrans(WIDE))
    variant = f"{space}{brackets[0]}{space.join(wide)}{brackets[1]}{space}"
    assert normalise_header(variant) == normalise_header(text)


def test_exact_synonyms_then_keywords_and_unknown() -> None:
    assert SPEC.match("ＴＹＸＹＤＭ") == ("credit_code", "exact")
    assert SPEC.match("市场主体名称") == ("name", "keyword")
    assert SPEC.match("经营地址") == ("address", "keyword")
    assert SPEC.match("注册资本（万元）") == (None, "")


def test_a_title_row_is_skipped_and_unknown_columns_are_listed() -> None:
    rows = [
        ["2024年阳城县市场主体名录", "2024年阳城县市场主体名录", "2024年阳城县市场主体名录"],
        ["统一社会信用代码", "企业名称", "注册资本（万元）"],
        ["91140522MA0L1234XX", "阳城县晋丰粮油有限公司", 50],
    ]
    header = find_header(rows, SPEC)
    assert (header.rows, header.data_start) == ((1,), 2)
    assert header.fields == {"credit_code": 0, "name": 1}
    assert [(c.index, c.header) for c in header.unknown] == [(2, "注册资本（万元）")]
    assert describe(header, SPEC)[-1] == ("注册资本（万元）", "（未识别）")


def test_a_group_header_above_sub_headers_is_joined() -> None:
    # As a CSV holds it: the group text once, blank above the columns it spans.
    rows = [
        ["名录"],
        ["检查对象", "", "登记状态", "注册资本"],
        ["名称", "统一社会信用代码", "", "金额"],
        ["阳城县晋丰粮油有限公司", "91140522MA0L1234XX", "存续", "50"],
    ]
    header = find_header(rows, SPEC)
    assert (header.rows, header.data_start) == ((1, 2), 3)
    assert header.fields == {"name": 0, "credit_code": 1, "status": 2}
    assert [c.header for c in header.columns] == ["检查对象/名称", "统一社会信用代码", "登记状态", "注册资本/金额"]
    assert [c.index for c in header.unknown] == [3]


def test_overrides_map_or_ignore_a_column_and_one_column_per_field() -> None:
    rows = [["名称", "企业名称", "注册资本", "经营范围"]]
    header = find_header(rows, SPEC, overrides={"注册资本": IGNORE, "经营范围": "address"})
    assert [(c.field, c.how) for c in header.columns] == [
        ("name", "exact"),
        (None, "duplicate"),
        (None, "ignored"),
        ("address", "mapped"),
    ]
    assert [c.index for c in header.unknown] == [1]
    assert header.mapping == {"名称": "name", "注册资本": IGNORE, "经营范围": "address"}


def test_no_header_is_refused_in_chinese() -> None:
    with pytest.raises(WorkbookRefused, match="未找到表头"):
        find_header([["甲", "乙"], ["1", "2"]], SPEC)
