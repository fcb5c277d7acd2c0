"""The cell parsers: every form seen in real plans, and properties over generated cells."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credit_risk.allocation import RatioKind, RatioSpec
from plans import parsing
from plans.parsing import CellError


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("40%; 1 次 / 年", RatioSpec(RatioKind.PERCENT, Decimal(40), times_per_year=1)),
        ("30% 1次/年", RatioSpec(RatioKind.PERCENT, Decimal(30), times_per_year=1)),
        ("不低于5% 1次/年", RatioSpec(RatioKind.AT_LEAST, Decimal(5), times_per_year=1)),
        ("10% 次/年", RatioSpec(RatioKind.PERCENT, Decimal(10), times_per_year=1)),
        ("20户", RatioSpec(RatioKind.COUNT, count=20)),
        ("不低于3%", RatioSpec(RatioKind.AT_LEAST, Decimal(3))),
        ("根据预警设定监测情况比例", RatioSpec(RatioKind.WARNING_MODEL)),
        ("５％；２次／年", RatioSpec(RatioKind.PERCENT, Decimal(5), times_per_year=2)),
        ("0.5%", RatioSpec(RatioKind.PERCENT, Decimal("0.5"))),
    ],
)
def test_it_parses_every_ratio_form_seen_in_real_plans(cell: str, expected: RatioSpec) -> None:
    assert parsing.parse_ratio(cell) == expected


@pytest.mark.parametrize("cell", ["", "若干", "150%", "10% 0次/年"])
def test_it_refuses_ratios_it_cannot_read_with_a_chinese_message(cell: str) -> None:
    with pytest.raises(CellError, match="抽查"):
        parsing.parse_ratio(cell)


ratio_specs = st.one_of(
    st.builds(
        RatioSpec,
        kind=st.sampled_from([RatioKind.PERCENT, RatioKind.AT_LEAST]),
        percent=st.decimals(min_value=0, max_value=100, places=2).map(parsing.plain),
        times_per_year=st.none() | st.integers(1, 12),
    ),
    st.builds(
        RatioSpec,
        kind=st.just(RatioKind.COUNT),
        count=st.integers(0, 100_000),
        times_per_year=st.none() | st.integers(1, 12),
    ),
    st.builds(RatioSpec, kind=st.just(RatioKind.WARNING_MODEL), times_per_year=st.none() | st.integers(1, 12)),
)


@given(ratio_specs)
def test_it_reads_back_every_ratio_it_writes(spec: RatioSpec) -> None:
    assert parsing.parse_ratio(parsing.format_ratio(spec)) == spec


@given(ratio_specs, st.sampled_from(["", " ", "　", "；", ";"]))
def test_it_ignores_spacing_and_full_width_punctuation(spec: RatioSpec, separator: str) -> None:
    text = parsing.format_ratio(spec).replace(" ", separator).replace("%", "％")
    assert parsing.parse_ratio(text) == spec


@given(st.text(max_size=40))
def test_it_never_fails_on_a_ratio_cell_except_with_a_cell_error(text: str) -> None:
    try:
        spec = parsing.parse_ratio(text)
    except CellError:
        return
    assert spec.percent is None or 0 <= spec.percent <= 100


@pytest.mark.parametrize(
    ("cell", "months", "years"),
    [
        ("2022. 3-2022. 11", (3, 11), (2022, 2022)),
        ("3月-10月", (3, 10), (None, None)),
        ("6月—11月", (6, 11), (None, None)),
        ("3-11月", (3, 11), (None, None)),
        ("2023年3月至2023年11月", (3, 11), (2023, 2023)),
    ],
)
def test_it_parses_every_period_form(cell: str, months: tuple[int, int], years: tuple[int | None, int | None]) -> None:
    period = parsing.parse_period(cell)
    assert (period.start_month, period.end_month) == months
    assert (period.start_year, period.end_year) == years


@pytest.mark.parametrize("cell", ["11月-3月", "13月-14月", "13月底前", "第五季度", "明年", ""])
def test_it_refuses_periods_that_make_no_sense(cell: str) -> None:
    with pytest.raises(CellError):
        parsing.parse_period(cell)


@given(
    st.integers(1, 12).flatmap(lambda a: st.tuples(st.just(a), st.integers(a, 12))),
    st.sampled_from(["-", "—", "–", "~", "至", " - "]),
    st.none() | st.integers(2000, 2100),
)
def test_it_reads_any_month_range_with_any_dash(months: tuple[int, int], dash: str, year: int | None) -> None:
    start, end = months
    left = f"{year}. {start}" if year else f"{start}月"
    right = f"{year}. {end}" if year else f"{end}月"
    period = parsing.parse_period(f"{left}{dash}{right}")
    assert (period.start_month, period.end_month, period.start_year) == (start, end, year)
    assert parsing.parse_period(parsing.format_period(period)).start_month == start


def test_it_splits_modes_from_their_explanation() -> None:
    assert parsing.parse_modes("【市抽市查】 【县抽县查】 市县两级部门分别组织实施抽查") == (
        ["市抽市查", "县抽县查"],
        "市县两级部门分别组织实施抽查",
    )
    assert parsing.parse_modes("【市抽县查】市市场监管局发起") == (["市抽县查"], "市市场监管局发起")
    assert parsing.parse_modes("") == ([], "")
    with pytest.raises(CellError):
        parsing.parse_modes("【随便查查】")


@given(
    st.lists(st.sampled_from(["市抽市查", "县抽县查", "市抽县查", "县抽查", "市抽查"]), unique=True),
    st.sampled_from(["", "市县两级分别实施"]),
)
def test_it_reads_back_every_mode_cell_it_writes(modes: list[str], remark: str) -> None:
    assert parsing.parse_modes(parsing.format_modes(modes, remark)) == (modes, remark)


def test_it_reads_directed_and_joint() -> None:
    assert parsing.parse_directed("定向") is True
    assert parsing.parse_directed("不定向") is False
    assert parsing.parse_directed("") is None
    assert parsing.parse_joint("部门联合双随机抽查") is True
    assert parsing.parse_joint("内部双随机抽查") is False
    assert parsing.parse_joint("") is None


KNOWN = {"市生态环境局阳城分局": 1, "县发改局": 2, "县市场监管局": 3, "县消防救援大队": 4}


def _resolve(name: str) -> int | None:
    return KNOWN.get(parsing.name_key(name))


def test_it_keeps_a_department_name_that_contains_a_space_together() -> None:
    refs = parsing.split_departments("市生态环境局 阳城分局 县发改局", _resolve)
    assert refs == [parsing.DepartmentRef("市生态环境局 阳城分局", 1), parsing.DepartmentRef("县发改局", 2)]


def test_it_strips_role_words_and_reports_unknown_names() -> None:
    refs = parsing.split_departments("县发改局实施、统计局 县市场监管局牵头", _resolve)
    assert refs == [
        parsing.DepartmentRef("县发改局", 2),
        parsing.DepartmentRef("统计局", None),
        parsing.DepartmentRef("县市场监管局", 3),
    ]


def test_it_keeps_an_unknown_branch_with_its_parent_name() -> None:
    refs = parsing.split_departments("市水利局 阳城分局 县发改局", _resolve)
    assert refs == [parsing.DepartmentRef("市水利局 阳城分局", None), parsing.DepartmentRef("县发改局", 2)]


@given(
    st.lists(
        st.sampled_from(["市生态环境局 阳城分局", "县发改局", "县市场监管局", "县消防救援大队"]),
        min_size=1,
        unique=True,
    ),
    st.sampled_from([" ", "、", "  ", "，"]),
)
def test_it_resolves_any_list_of_known_departments(names: list[str], separator: str) -> None:
    refs = parsing.split_departments(separator.join(names), _resolve)
    assert [r.department_id for r in refs] == [KNOWN[parsing.name_key(n)] for n in names]


def test_it_splits_the_initiator_from_the_guiding_unit() -> None:
    assert parsing.split_initiator("市局组织发起/质量监管部门指导") == ("市局组织发起", "质量监管部门指导")
    assert parsing.strip_role("市局组织发起") == "市局"
