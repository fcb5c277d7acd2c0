"""import(export(plan)) gives back the same plan."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone

from plans.departments import DepartmentResolver
from plans.exporting import plan_to_dict, plan_to_xlsx, task_to_dict
from plans.importing import parse_file
from plans.models import Plan
from plans.services import plan_import
from registries.models import Department
from tests.factories import DepartmentFactory
from tests.plans.conftest import SAMPLES


def _name(pk: int) -> str:
    return Department.objects.get(pk=pk).name


def _as_comparable(task: dict) -> dict:  # type: ignore[type-arg]
    return {
        "number": task["number"],
        "name": task["name"],
        "directed": task["directed"],
        "items_text": task["items_text"],
        "scope_text": task["scope_text"],
        "ratio_kind": task["ratio"]["kind"],
        "ratio_percent": task["ratio"]["percent"],
        "ratio_count": task["ratio"]["count"],
        "times_per_year": task["times_per_year"],
        "uses_tiers": task["uses_tiers"],
        "credit_rule_text": task["credit_rule"],
        "start_month": task["start_month"],
        "end_month": task["end_month"],
        "initiator": task["initiator"],
        "guide_text": task["guide"],
        "cooperating": task["cooperating"],
        "task_type": task["task_type"],
        "modes": task["modes"],
        "mode_remark": task["mode_remark"],
        "remark": task["remark"],
        "extra": task.get("extra", {}),
    }


@pytest.fixture
def county_plan(drc: Department, amr: Department) -> Plan:
    DepartmentFactory(name="阳城县统计局", short_name="县统计局", region=drc.region)
    return plan_import(path=SAMPLES / "plan-2022-county-drc.xlsx", year=2022, owner=drc, user=None)


@pytest.fixture
def city_plan(city_amr: Department) -> Plan:
    return plan_import(path=SAMPLES / "plan-2023-city-amr.tsv", year=2023, owner=city_amr, user=None)


@pytest.mark.parametrize("fixture", ["county_plan", "city_plan"])
def test_it_reads_back_every_task_it_exports(fixture: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    plan: Plan = request.getfixturevalue(fixture)
    data = plan_to_dict(plan)
    path = tmp_path / "export.xlsx"
    path.write_bytes(plan_to_xlsx(data))
    parsed = parse_file(path, year=plan.year, resolve=DepartmentResolver(plan.owner))
    assert parsed.all_errors == [] and parsed.unresolved == []
    assert parsed.title == plan.title
    assert [t.comparable(_name) for t in parsed.tasks] == [_as_comparable(t) for t in data["tasks"]]


def test_it_rebuilds_the_same_plan_from_its_export(county_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes(plan_to_xlsx(plan_to_dict(county_plan)))
    before = [task_to_dict(t) for t in county_plan.tasks.order_by("number")]
    county_plan.delete()
    owner = Department.objects.get(name="阳城县发展和改革局")
    again = plan_import(path=path, year=2022, owner=owner, user=None)
    assert [task_to_dict(t) for t in again.tasks.order_by("number")] == before


def test_it_writes_the_government_layout(city_plan: Plan) -> None:
    import io

    wb = openpyxl.load_workbook(io.BytesIO(plan_to_xlsx(plan_to_dict(city_plan))))
    ws = wb.active
    assert ws["A1"].value == city_plan.title
    assert "A1:N1" in {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[2]][:6] == [
        "序号",
        "抽查任务名称",
        "抽查类型",
        "抽查事项",
        "抽查对象范围",
        "抽查比例及频次",
    ]
    assert ws.max_row == 2 + 16
    assert ws["F19"].value == "不低于3%" or any(row[5].value == "不低于3%" for row in ws.iter_rows(min_row=3))


def test_it_keeps_the_item_version_a_published_plan_pointed_at(alice) -> None:  # type: ignore[no-untyped-def]
    from plans.models import Plan, Task
    from plans.services import _snapshot
    from tests.factories import ChecklistItemVersionFactory

    old = ChecklistItemVersionFactory()
    plan = Plan.objects.create(owner=alice.department, year=2026, title="2026年度抽查计划")
    task = Task.objects.create(plan=plan, number=1, name="粮食收购企业监督检查", ratio_kind="percent", ratio_percent=30)
    task.items.add(old.item)
    published = _snapshot(plan, reason="公布", user=alice)
    old.superseded_at = timezone.now()
    old.save(update_fields=["superseded_at"])
    ChecklistItemVersionFactory(item=old.item, version=2, name="粮食收购活动的检查（修订）")
    adjusted = _snapshot(plan, reason="调整", user=alice)
    assert published.tasks[0]["item_versions"] == {old.item.code: 1}
    assert adjusted.tasks[0]["item_versions"] == {old.item.code: 2}
