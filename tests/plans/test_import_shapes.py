"""Plan tables the samples do not show: other spellings of the credit-tier and mode columns,
columns nobody declared, department cells naming several bureaus, departments created where
their names say."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from plans import parsing
from plans.departments import DepartmentResolver
from plans.importing import parse_file
from plans.models import Plan, Task
from registries.models import Department, Level, Region
from tests.factories import DepartmentFactory, RegionFactory
from tests.registries.import_workbooks import write_xlsx

pytestmark = pytest.mark.django_db

HEADER = [
    "序号",
    "抽查任务名称",
    "抽查事项",
    "抽查对象",
    "抽查比例",
    "是否运用信用风险分类结果",
    "实施方式",
    "抽查时间",
    "牵头部门",
    "配合部门",
    "联系人",
]
ROWS: list[list[object]] = [
    [
        1,
        "学校食堂食品安全联合检查",
        "食品经营监督检查",
        "全县学校食堂",
        "20%",
        "是",
        "市抽县查",
        "3月-10月",
        "县市场监管局",
        "市教育局 市卫生健康委员会",
        "张三",
    ],
    [
        2,
        "排污单位联合检查",
        "排污许可执行情况检查",
        "全县排污单位",
        "10%",
        "否",
        "县抽县查",
        "4月-11月",
        "县市场监管局",
        "市生态环境局 阳城分局",
        "李四",
    ],
    [
        3,
        "加油站计量联合检查",
        "在用计量器具的监督检查",
        "全县加油站",
        "不低于5%",
        "√",
        "市县联动",
        "5月-9月",
        "县市场监管局",
        "省应急管理厅、县应急局",
        "王五",
    ],
]


@pytest.fixture
def regions(db):  # type: ignore[no-untyped-def]
    province = RegionFactory(code="140000", name="山西省", level=Level.PROVINCE)
    city = RegionFactory(code="140500", name="晋城市", level=Level.CITY)
    city.parent = province
    city.save()
    county = RegionFactory(code="140522", name="阳城县", level=Level.COUNTY)
    county.parent = city
    county.save()
    return {"province": province, "city": city, "county": county}


@pytest.fixture
def owner(regions) -> Department:  # type: ignore[no-untyped-def]
    DepartmentFactory(name="阳城县应急管理局", short_name="县应急局", region=regions["county"])
    return DepartmentFactory(name="阳城县市场监督管理局", short_name="县市场监管局", region=regions["county"])


def county_plan(path: Path) -> Path:
    return write_xlsx(path, [["阳城县2024年度部门联合抽查计划"], HEADER, *ROWS], merges=["A1:K1"])


def test_an_unknown_column_fails_the_command_until_mapped_or_ignored(
    tmp_path: Path, owner: Department, capsys: pytest.CaptureFixture[str]
) -> None:
    path = county_plan(tmp_path / "plan.xlsx")
    args = [str(path), "--year", "2024", "--owner", owner.name, "--create-departments"]
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("import_plan", *args)
    captured = capsys.readouterr()
    assert "无法识别的列：“联系人”" in captured.err
    assert "列 是否运用信用风险分类结果 → 信用风险分类要求" in captured.out
    assert "列 实施方式 → 抽查方式" in captured.out
    assert not Plan.objects.exists()
    call_command("import_plan", *args, "--ignore", "联系人")
    tasks = {t.number: t for t in Task.objects.all()}
    # the credit-tier column spelled otherwise, and the mode column: both land
    assert {n: t.uses_tiers for n, t in tasks.items()} == {1: True, 2: False, 3: True}
    assert {n: t.modes for n, t in tasks.items()} == {1: ["市抽县查"], 2: ["县抽县查"], 3: ["市县联动"]}
    assert tasks[3].ratio_kind == "at_least"


def test_a_column_can_be_mapped_by_its_chinese_label(tmp_path: Path, owner: Department) -> None:
    path = county_plan(tmp_path / "plan.xlsx")
    call_command(
        "import_plan",
        str(path),
        "--year",
        "2024",
        "--owner",
        owner.name,
        "--create-departments",
        "--map",
        "联系人=备注",
    )
    assert Task.objects.get(number=2).remark == "李四"


def test_department_cells_split_into_the_departments_they_name(
    tmp_path: Path, owner: Department, regions: dict[str, Region]
) -> None:
    parsed = parse_file(
        county_plan(tmp_path / "plan.xlsx"),
        year=2024,
        resolve=DepartmentResolver(owner),
        overrides={"联系人": "-"},
    )
    assert parsed.all_errors == []
    assert parsed.unresolved == ["市教育局", "市卫生健康委员会", "市生态环境局 阳城分局", "省应急管理厅"]
    call_command(
        "import_plan",
        str(tmp_path / "plan.xlsx"),
        "--year",
        "2024",
        "--owner",
        owner.name,
        "--create-departments",
        "--ignore",
        "联系人",
    )
    placed = {d.name: (d.level, d.region.name) for d in Department.objects.exclude(region=regions["county"])}
    assert placed == {
        "市教育局": (Level.CITY, "晋城市"),
        "市卫生健康委员会": (Level.CITY, "晋城市"),
        "市生态环境局阳城分局": (Level.CITY, "晋城市"),
        "省应急管理厅": (Level.PROVINCE, "山西省"),
    }
    first = Task.objects.get(number=1)
    assert sorted(first.cooperating.values_list("name", flat=True)) == ["市卫生健康委员会", "市教育局"]
    assert first.task_type == "joint"
    third = Task.objects.get(number=3)
    assert sorted(third.cooperating.values_list("name", flat=True)) == ["省应急管理厅", "阳城县应急管理局"]


def test_a_continuation_row_adds_a_second_department_to_the_task_above(tmp_path: Path, owner: Department) -> None:
    rows = [HEADER[:10], ROWS[1][:10], ["", "", "", "", "", "", "", "", "", "县应急局"]]
    parsed = parse_file(write_xlsx(tmp_path / "p.xlsx", rows), year=2024, resolve=DepartmentResolver(owner))
    assert len(parsed.tasks) == 1
    assert [r.text for r in parsed.tasks[0].cooperating] == ["市生态环境局 阳城分局", "县应急局"]


def test_a_plan_in_gb18030_csv_reads_like_the_workbook(tmp_path: Path, owner: Department) -> None:
    path = tmp_path / "plan.csv"
    lines = [",".join(HEADER[:10])] + [",".join(str(c) for c in row[:10]) for row in ROWS]
    path.write_bytes("\n".join(lines).encode("gb18030"))
    parsed = parse_file(path, year=2024, resolve=DepartmentResolver(owner))
    assert parsed.all_errors == []
    assert [t.modes for t in parsed.tasks] == [["市抽县查"], ["县抽县查"], ["市县联动"]]


STEMS = ["教育", "卫生健康", "生态环境", "交通运输", "住房和城乡建设", "应急管理", "市场监督管理", "公安"]
SUFFIXES = ["局", "委员会", "厅"]


@st.composite
def department_name(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(["市", "县", "省"])) + draw(st.sampled_from(STEMS)) + draw(st.sampled_from(SUFFIXES))
    if draw(st.booleans()):
        name += draw(st.sampled_from([" ", ""])) + draw(st.sampled_from(["阳城", "沁水", "高平"])) + "分局"
    return name


@given(
    st.lists(department_name(), min_size=1, max_size=5, unique_by=parsing.name_key),
    st.sampled_from([" ", "、", "，", ",", ";", "；", "\n", "  ", " 、"]),
)
def test_the_splitter_finds_every_department_a_cell_names(names: list[str], separator: str) -> None:
    found = parsing.department_names(separator.join(names))
    assert [parsing.name_key(n) for n in found] == [parsing.name_key(n) for n in names]


def test_a_column_mapped_once_maps_itself_next_time(tmp_path: Path, owner: Department) -> None:
    path = county_plan(tmp_path / "plan.xlsx")
    common = ["--owner", owner.name, "--create-departments"]
    call_command("import_plan", str(path), "--year", "2024", *common, "--map", "联系人=备注")
    call_command("import_plan", str(path), "--year", "2025", *common, "--dry-run")  # no --map: fails if unmapped
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("import_plan", str(path), "--year", "2024", "--owner", "县应急局")  # another department


@pytest.mark.parametrize(
    ("cell", "times"),
    [("1次/年", 1), ("每年2次", 2), ("1次", 1), ("1", 1), ("两次", 2), ("每半年1次", 2), ("每季度1次", 4), ("", None)],
)
def test_it_reads_a_frequency_column(cell: str, times: int | None) -> None:
    assert parsing.parse_times(cell) == times


def test_every_column_of_a_wider_table_lands(tmp_path: Path, owner: Department) -> None:
    rows = [
        [
            "任务编号",
            "抽查任务名称",
            "抽查比例",
            "抽查频次",
            "检查主体",
            "抽查层级",
            "信用风险分类运用",
            "检查方式",
            "发起部门",
        ],
        [
            "7",
            "电梯使用单位检查",
            "5%",
            "每年1次",
            "县市场监管局特种设备股",
            "县级",
            "结合",
            "县抽县查",
            "县市场监管局",
        ],
    ]
    parsed = parse_file(write_xlsx(tmp_path / "p.xlsx", rows), year=2024, resolve=DepartmentResolver(owner))
    assert parsed.all_errors == [] and parsed.unknown_columns == []
    task = parsed.tasks[0]
    assert (task.number, task.times_per_year, task.uses_tiers, task.modes) == (7, 1, True, ["县抽县查"])
    assert task.extra == {"检查主体": "县市场监管局特种设备股", "抽查层级": "县级"}


def test_a_city_bureau_written_short_resolves_to_the_owner_s_city(
    owner: Department, regions: dict[str, Region]
) -> None:
    education = DepartmentFactory(name="晋城市教育局", level=Level.CITY, region=regions["city"])
    refs = parsing.split_departments("市教育局 市卫生健康委员会", DepartmentResolver(owner))
    assert refs == [parsing.DepartmentRef("市教育局", education.pk), parsing.DepartmentRef("市卫生健康委员会", None)]


@pytest.mark.parametrize(
    ("cell", "months", "year"),
    [
        ("2024年3月1日-11月30日", (3, 11), 2024),
        ("2024.3.1-2024.11.30", (3, 11), 2024),
        ("全年", (1, 12), None),
        ("2024年全年", (1, 12), 2024),
        ("上半年", (1, 6), None),
        ("下半年", (7, 12), None),
        ("第二季度", (4, 6), None),
        ("11月底前", (1, 11), None),
        ("5月", (5, 5), None),
    ],
)
def test_it_reads_the_periods_county_plans_write(cell: str, months: tuple[int, int], year: int | None) -> None:
    period = parsing.parse_period(cell)
    assert ((period.start_month, period.end_month), period.start_year) == (months, year)


def test_a_plan_saved_as_old_excel_reads_like_the_workbook(tmp_path: Path, owner: Department) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("计划")
    for r, row in enumerate([["阳城县2024年度部门联合抽查计划"], HEADER[:10], *(row[:10] for row in ROWS)]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(tmp_path / "plan.xls"))
    parsed = parse_file(tmp_path / "plan.xls", year=2024, resolve=DepartmentResolver(owner))
    assert parsed.all_errors == []
    assert parsed.title == "阳城县2024年度部门联合抽查计划"
    assert [(t.uses_tiers, t.modes) for t in parsed.tasks] == [
        (True, ["市抽县查"]),
        (False, ["县抽县查"]),
        (True, ["市县联动"]),
    ]


def test_section_rows_say_whether_the_tasks_below_are_joint(tmp_path: Path, owner: Department) -> None:
    rows = [
        ["序号", "抽查任务名称", "抽查比例", "抽查时间", "发起部门"],
        ["一、部门联合抽查任务"],
        [1, "学校食堂检查", "10%", "3月-10月", "县市场监管局"],
        ["二、内部抽查任务"],
        [2, "电梯使用单位检查", "5%", "3月-10月", "县市场监管局"],
    ]
    path = write_xlsx(tmp_path / "p.xlsx", rows, merges=["A2:E2", "A4:E4"])
    parsed = parse_file(path, year=2024, resolve=DepartmentResolver(owner))
    assert parsed.all_errors == []
    assert [(t.name, t.task_type) for t in parsed.tasks] == [
        ("学校食堂检查", "joint"),
        ("电梯使用单位检查", "internal"),
    ]


def test_a_note_under_the_table_is_not_a_task(tmp_path: Path, owner: Department) -> None:
    rows = [
        ["序号", "抽查任务名称", "抽查比例", "抽查时间", "发起部门"],
        [1, "学校食堂检查", "10%", "3月-10月", "县市场监管局"],
        ["注：抽查比例为最低比例，各部门可根据实际提高。"],
    ]
    parsed = parse_file(write_xlsx(tmp_path / "p.xlsx", rows), year=2024, resolve=DepartmentResolver(owner))
    assert parsed.all_errors == [] and len(parsed.tasks) == 1
    assert parsed.notes == ["第 3 行：表格说明，不是抽查任务：注：抽查比例为最低比例，各部门可根据实际提高。"]


def test_role_words_in_brackets_and_etc_are_not_part_of_a_name() -> None:
    cell = "县市场监管局（牵头）、县教育局(配合) 县卫健局等"
    assert parsing.department_names(cell) == ["县市场监管局", "县教育局", "县卫健局"]


def test_full_coverage_is_a_hundred_percent() -> None:
    spec = parsing.parse_ratio("全覆盖")
    assert (spec.kind, spec.percent) == ("percent", 100)


@given(st.text(max_size=40))
def test_the_credit_tier_cell_is_read_or_refused_with_a_cell_error(text: str) -> None:
    try:
        parsing.parse_uses_tiers(text)
    except parsing.CellError as exc:
        assert "信用风险分类要求" in str(exc)


@given(st.sampled_from(["是", "√", "运用", "结合", "Y"]), st.sampled_from(["否", "不运用", "无", "×", "N"]))
def test_yes_and_no_spellings_of_the_credit_tier_column(yes: str, no: str) -> None:
    assert parsing.parse_uses_tiers(yes) is True
    assert parsing.parse_uses_tiers(no) is False


@given(
    st.lists(st.sampled_from(["市抽市查", "县抽县查", "市抽县查", "市县联动", "县抽查"]), min_size=1, unique=True),
    st.sampled_from([" ", "、", "，", "/", "；"]),
)
def test_bare_modes_in_a_mode_column_are_all_read(modes: list[str], separator: str) -> None:
    assert parsing.parse_modes(separator.join(modes)) == (modes, "")
