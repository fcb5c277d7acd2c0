"""manage.py import_plan / export_plan on the sample tables."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from plans.models import Plan, PlanStatus
from registries.models import Department, DepartmentAlias
from tests.plans.conftest import SAMPLES


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("suffix", ["tsv", "xlsx"])
def test_it_imports_the_city_plan_and_prints_its_id_last(suffix: str, city_amr: Department) -> None:
    out, _err = _run(
        "import_plan", str(SAMPLES / f"plan-2023-city-amr.{suffix}"), "--year", "2023", "--owner", "市市场监管局"
    )
    plan = Plan.objects.get()
    assert out.strip().splitlines()[-1] == str(plan.pk)
    assert plan.owner == city_amr
    assert plan.status == PlanStatus.DRAFT
    assert plan.tasks.count() == 16
    task = plan.tasks.get(number=23)
    assert (task.ratio_kind, task.ratio_count, task.start_month, task.end_month) == ("count", 20, 2, 12)
    assert task.modes == ["市抽市查", "县抽县查"]
    assert task.initiator == city_amr


def test_it_exits_non_zero_on_unresolved_departments_and_writes_nothing(drc: Department, amr: Department) -> None:
    with pytest.raises(CommandError, match="无法识别的部门"):
        _run("import_plan", str(SAMPLES / "plan-2022-county-drc.xlsx"), "--year", "2022", "--owner", "县发改局")
    assert not Plan.objects.exists()


def test_it_creates_unknown_departments_when_asked(drc: Department, amr: Department) -> None:
    out, _err = _run(
        "import_plan",
        str(SAMPLES / "plan-2022-county-drc.tsv"),
        "--year",
        "2022",
        "--owner",
        "县发改局",
        "--create-departments",
    )
    plan = Plan.objects.get(pk=int(out.strip().splitlines()[-1]))
    stats = Department.objects.get(name="统计局")
    assert (stats.level, stats.region) == (drc.level, drc.region)
    first, second, third = plan.tasks.order_by("number")
    assert first.initiator == drc and list(first.cooperating.all()) == [amr] and first.task_type == "joint"
    assert second.initiator == stats and list(second.cooperating.all()) == [drc]
    assert third.initiator == drc and not third.cooperating.exists() and third.task_type == "internal"


def test_it_prints_the_parsed_tasks_on_a_dry_run_and_writes_nothing(city_amr: Department) -> None:
    out, _err = _run(
        "import_plan",
        str(SAMPLES / "plan-2023-city-amr.xlsx"),
        "--year",
        "2023",
        "--owner",
        "晋城市市场监督管理局",
        "--dry-run",
    )
    lines = out.strip().splitlines()
    assert lines[0] == "晋城市市场监督管理局2023年度双随机抽查工作计划"
    assert lines[1].split("\t")[:3] == ["4", "对工业产品生产许可证获证企业资格、条件的双随机抽查", "percent:20"]
    tasks = [line for line in lines if not line.startswith("列 ")]
    assert len(tasks) == 17
    # the dry run prints where every column of the file lands
    assert [line for line in lines if line.startswith("列 ")][-4:] == [
        "列 信用风险分类管理 → 信用风险分类要求",
        "列 抽查起止时间 → 抽查起止时间",
        "列 发起主体/指导单位 → 发起部门",
        "列 检查主体检查方式 → 抽查方式",
    ]
    assert not Plan.objects.exists()
    assert not DepartmentAlias.objects.exists()


def test_it_refuses_a_period_of_another_year(city_amr: Department) -> None:
    with pytest.raises(CommandError, match="未导入"):
        _run("import_plan", str(SAMPLES / "plan-2022-county-drc.tsv"), "--year", "2023", "--owner", "市市场监管局")


def test_it_exports_json_with_each_field_separate(city_amr: Department, tmp_path: Path) -> None:
    out, _err = _run(
        "import_plan", str(SAMPLES / "plan-2023-city-amr.xlsx"), "--year", "2023", "--owner", "市市场监管局"
    )
    plan_id = out.strip().splitlines()[-1]
    text, _err = _run("export_plan", plan_id, "--format", "json")
    data = json.loads(text)
    task = data["tasks"][0]
    assert task["ratio"] == {"kind": "percent", "percent": "20", "count": None, "text": "20%"}
    assert (task["times_per_year"], task["start_month"], task["end_month"]) == (None, 6, 11)
    assert task["initiator"] == "晋城市市场监督管理局"
    assert task["cooperating"] == []
    assert task["modes"] == ["市抽市查", "县抽县查"]
    target = tmp_path / "plan.xlsx"
    _run("export_plan", plan_id, "--format", "xlsx", "--output", str(target))
    assert target.read_bytes()[:2] == b"PK"
