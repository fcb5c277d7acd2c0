"""Both sample plans (TSV and .xlsx) parse row by row into the values the bureaus meant."""

from __future__ import annotations

import pytest

from plans.departments import DepartmentResolver
from plans.importing import ParsedPlan, parse_file
from registries.models import Department
from tests.factories import DepartmentFactory
from tests.plans.conftest import SAMPLES

COUNTY_ITEMS_1 = (
    "1. 对粮食经营者从事粮食收购、储存、运输活动和政策性用粮的购销活动, "
    "以及执行国家粮食流通统计制度的情况进行监督检查; "
    "2. 登记事项检查; 3. 公示信息检查; 4. 商标使用行为的检查; 5. 专利真实性监督检查; 6. 在用计量器具监督检查。"
)
GRAIN_ITEM = (
    "对粮食经营者从事粮食收购、储存、运输活动和政策性用粮的购销活动, 以及执行国家粮食流通统计制度的情况进行监督检查。"
)

# number, name, ratio (kind, percent, count, times), period, initiator, cooperating, type, items, remark
COUNTY_ROWS = [
    (
        1,
        "部门联合粮食企业监督检查",
        ("percent", "40", None, 1),
        (3, 11),
        "drc",
        ["amr"],
        "joint",
        COUNTY_ITEMS_1,
        "部门联合双随机抽查",
    ),
    (
        2,
        "部门联合粮食企业监督检查",
        ("percent", "30", None, 1),
        (3, 11),
        "stats",
        ["drc"],
        "joint",
        GRAIN_ITEM,
        "部门联合双随机抽查",
    ),
    (
        3,
        "内部粮食企业监督检查",
        ("percent", "30", None, 1),
        (3, 11),
        "drc",
        [],
        "internal",
        GRAIN_ITEM,
        "内部双随机抽查",
    ),
]

CREDIT_A = "根据企业信用风险分类结果，对低风险、一般风险、较高风险、高风险企业分别递加比例抽查和频次。"
CREDIT_B = "根据企业信用风险分类结果，对低风险、一般风险、较高风险、高风险企业分别递增比例抽查和频次。"
CREDIT_C = "根据企业信用风险分类结果，对低风险、一般风险、高风险企业分别递增抽查比例和频次。"
CITY_MODE_SPLIT = "市县两局分别组织实施抽查（此计划不包括各县县管计划，各县县管计划自行根据监督计划制定抽查实施）"
CITY_MODE_COUNTY = "市市场监管局发起，各县市场监管局实施检查。不抽再组织发起抽查任务。"
# number, ratio (kind, percent, count), period, guide, modes, scope warning, credit rule (filled from merged cells)
CITY_ROWS = [
    (4, ("percent", "20", None), (6, 11), "质量监管部门", ["市抽市查", "县抽县查"], "", CREDIT_A),
    (5, ("percent", "20", None), (6, 11), "质量监管部门", ["县抽县查"], "", CREDIT_A),
    (
        6,
        ("percent", "5", None),
        (3, 11),
        "食品生产科",
        ["市抽县查"],
        "",
        "根据食品生产企业风险情况，加大对高风险产品企业的抽查比例",
    ),
    (7, ("percent", "5", None), (3, 12), "计量科", ["县抽县查"], "", CREDIT_A),
    (8, ("percent", "5", None), (3, 12), "计量科", ["县抽县查"], "", CREDIT_A),
    (14, ("percent", "4", None), (3, 11), "认证科", ["市抽县查"], "", CREDIT_B),
    (15, ("percent", "4", None), (3, 11), "认证科", ["市抽市查"], "", CREDIT_B),
    (16, ("percent", "30", None), (3, 11), "标准管理理科", ["市抽市查", "县抽县查"], "", CREDIT_B),
    (17, ("percent", "50", None), (3, 11), "标准管理理科", ["市抽市查"], "", CREDIT_B),
    (18, ("percent", "30", None), (3, 11), "双反科", ["市抽县查"], "", CREDIT_C),
    (19, ("at_least", "3", None), (3, 12), "信用科", ["市抽县查"], "", CREDIT_C),
    (20, ("warning_model", None, None), (3, 12), "信用科", ["市抽县查"], "zero_report", CREDIT_C),
    (21, ("warning_model", None, None), (3, 12), "信用科", ["市抽县查"], "related", CREDIT_C),
    (22, ("warning_model", None, None), (3, 12), "信用科", ["市抽县查"], "same_address", CREDIT_C),
    (
        23,
        ("count", None, 20),
        (2, 12),
        "食品流通科",
        ["市抽市查", "县抽县查"],
        "",
        "根据企业信用风险分类结果，对低风险、一般风险、高风险企业分别递增抽查和频次。",
    ),
    (
        24,
        ("percent", "10", None),
        (2, 12),
        "餐饮监管科",
        ["市抽市查", "县抽县查"],
        "",
        "根据食品安全风险分级结果，对低风险、一般风险、高风险企业分别递增抽查。",
    ),
]


def _parse(name: str, owner: Department, year: int, mapping: dict[str, int] | None = None) -> ParsedPlan:
    return parse_file(SAMPLES / name, year=year, resolve=DepartmentResolver(owner, mapping))


@pytest.mark.parametrize("suffix", ["tsv", "xlsx"])
def test_it_reports_the_county_departments_it_cannot_resolve(suffix: str, drc: Department, amr: Department) -> None:
    parsed = _parse(f"plan-2022-county-drc.{suffix}", drc, 2022)
    assert parsed.all_errors == []
    assert parsed.unresolved == ["统计局"]


@pytest.mark.parametrize("suffix", ["tsv", "xlsx"])
def test_it_parses_the_county_plan_row_by_row(suffix: str, drc: Department, amr: Department) -> None:
    stats = DepartmentFactory(name="阳城县统计局", region=drc.region)
    departments = {"drc": drc, "amr": amr, "stats": stats}
    parsed = _parse(f"plan-2022-county-drc.{suffix}", drc, 2022, {"统计局": stats.pk})
    assert parsed.all_errors == []
    assert parsed.unresolved == []
    assert [t.row for t in parsed.tasks] == ([2, 3, 4] if suffix == "tsv" else [3, 4, 5])
    for task, expected in zip(parsed.tasks, COUNTY_ROWS, strict=True):
        number, name, ratio, period, initiator, cooperating, task_type, items, remark = expected
        assert task.number == number
        assert task.name == name
        assert (task.ratio_kind, task.ratio_percent, task.ratio_count, task.times_per_year) == ratio
        assert (task.start_month, task.end_month) == period
        assert task.initiator_id == departments[initiator].pk
        assert task.cooperating_ids == [departments[c].pk for c in cooperating]
        assert task.task_type == task_type
        assert task.items_text == items
        assert task.scope_text == "全县粮食收购企业"
        assert task.uses_tiers is True
        assert task.directed is None
        assert task.modes == []
        assert task.remark == remark
    assert parsed.tasks[0].items[1:] == [
        "登记事项检查",
        "公示信息检查",
        "商标使用行为的检查",
        "专利真实性监督检查",
        "在用计量器具监督检查",
    ]
    if suffix == "xlsx":
        assert parsed.title == "阳城县发展和改革委员会2022年度双随机一公开抽查工作计划"


@pytest.mark.parametrize("suffix", ["tsv", "xlsx"])
def test_it_parses_the_city_plan_row_by_row(suffix: str, city_amr: Department) -> None:
    parsed = _parse(f"plan-2023-city-amr.{suffix}", city_amr, 2023)
    assert parsed.all_errors == []
    assert parsed.unresolved == []
    assert len(parsed.tasks) == len(CITY_ROWS)
    for task, expected in zip(parsed.tasks, CITY_ROWS, strict=True):
        number, ratio, period, guide, modes, warning, credit_rule = expected
        assert task.number == number
        assert (task.ratio_kind, task.ratio_percent, task.ratio_count) == ratio
        assert task.times_per_year is None
        assert (task.start_month, task.end_month) == period
        assert task.initiator_id == city_amr.pk  # 市局组织发起
        assert task.guide_text == guide
        assert task.cooperating == []
        assert task.task_type == "internal"
        assert task.directed is True
        assert task.modes == modes
        assert task.scope_warning == warning
        assert task.credit_rule_text == credit_rule
        assert task.uses_tiers is True
    by_number = {t.number: t for t in parsed.tasks}
    assert by_number[4].name == "对工业产品生产许可证获证企业资格、条件的双随机抽查"
    assert (
        by_number[4].mode_remark
        == "市县两级部门分别组织实施抽查（此计划不包括各县自行根据监督需求制定抽查计划并组织实施）"
    )
    assert by_number[19].scope_text == "全市高风险企业"
    assert by_number[21].items_text == by_number[20].items_text  # merged D14:D16
    assert by_number[22].mode_remark == CITY_MODE_COUNTY
    assert by_number[23].mode_remark == CITY_MODE_SPLIT
    assert by_number[5].items[3:5] == ["检验设备及检验情况的检查", "生产范围的检查"]


def test_it_reads_the_same_city_plan_from_tsv_and_xlsx(city_amr: Department) -> None:
    def name_of(pk: int) -> str:
        return Department.objects.get(pk=pk).name

    tsv = _parse("plan-2023-city-amr.tsv", city_amr, 2023)
    xlsx = _parse("plan-2023-city-amr.xlsx", city_amr, 2023)
    assert [t.comparable(name_of) for t in tsv.tasks] == [t.comparable(name_of) for t in xlsx.tasks]
    # the text file leaves merged cells empty: they are filled from the row above, and said so
    assert {t.number: t.filled for t in tsv.tasks if t.filled} == {
        5: ["credit_rule", "period"],
        8: ["credit_rule", "period", "initiator", "mode"],
        15: ["credit_rule"],
        17: ["credit_rule"],
        21: ["items", "credit_rule", "mode"],
        22: ["items", "credit_rule", "mode"],
    }


def test_it_refuses_a_period_outside_the_plan_year(drc: Department, amr: Department) -> None:
    parsed = _parse("plan-2022-county-drc.tsv", drc, 2023)
    assert parsed.all_errors[0] == "第 2 行：抽查起止时间“2022. 3-2022. 11”不在 2023 年度内"
