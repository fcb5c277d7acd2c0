"""The demo year: plans, draws, visits and results that make every dashboard figure non-trivial."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from inspections.models import Result
from plans.models import Plan
from publicity.dashboard import figures
from publicity.models import PublishedResult

pytestmark = pytest.mark.django_db


def test_it_refuses_to_run_without_debug(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo_activity")


def test_it_loads_a_year_that_fills_every_figure_and_changes_nothing_the_second_time(  # type: ignore[no-untyped-def]
    settings, time_machine, tmp_path
) -> None:
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(dt.datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    call_command("load_demo", "--no-logins", "--targets", "5000", stdout=StringIO())
    out = StringIO()
    call_command("load_demo_activity", stdout=out)
    assert "演示年度活动" in out.getvalue()

    f = figures(year=2026, today=dt.date(2026, 11, 20))
    t = f.total
    assert t.tasks_planned >= 8 and t.tasks_finished >= 1 and t.tasks_not_started >= 1
    assert t.drawn > 100 and t.visits_done > 50 and t.visits_saved > 0
    assert t.entered_late > 0 and t.visits_overdue > 0
    assert t.follow_ups_open > 0 and t.follow_ups_overdue > 0
    assert t.coverage is not None and t.coverage >= 3
    assert t.publicity_rate == 100
    assert 0 < t.drawn_tiered < t.drawn
    assert {r.tier for r in f.finds} >= {"A", "B", "C", "D", "-"}
    assert f.fairness_checked > 0
    assert PublishedResult.objects.count() > 0

    counts = (Plan.objects.count(), Result.objects.count(), PublishedResult.objects.count())
    again = StringIO()
    call_command("load_demo_activity", stdout=again)
    assert "已存在" in again.getvalue()
    assert (Plan.objects.count(), Result.objects.count(), PublishedResult.objects.count()) == counts


def test_each_demo_task_inspects_the_items_its_name_says_and_the_check_sees_them_covered(  # type: ignore[no-untyped-def]
    settings, tmp_path
) -> None:
    from plans.selectors import plan_checks
    from publicity.demo import DemoActivity
    from registries import demo as registries_demo

    settings.MEDIA_ROOT = tmp_path
    registries_demo.load(targets=400)
    activity = DemoActivity(today=dt.date(2026, 11, 20))
    plan = activity.amr_plan()
    activity.drc_plan()
    linked = {t.name: sorted(t.item_names()) for t in plan.tasks.prefetch_related("items__versions")}
    assert linked == {
        "食品经营企业双随机抽查": ["食品经营（销售）企业监督检查"],
        "食品生产企业监督检查": ["食品生产监督检查"],
        "加油站计量器具监督检查": ["在用计量器具的监督检查"],
        "企业公示信息抽查": ["公示信息检查"],
        "眼镜制配场所计量监督检查": ["在用计量器具的监督检查"],
        "食品经营企业公示信息检查": ["公示信息检查"],
    }
    uncovered = " ".join(f.message for f in plan_checks(plan) if f.kind == "uncovered_item")
    for covered in ("公示信息检查", "在用计量器具的监督检查", "食品生产监督检查", "食品经营（销售）企业监督检查"):
        assert covered not in uncovered
    assert "粮食收购资格及粮食收购活动的检查" in {
        name for t in Plan.objects.get(title__startswith="阳城县发展和改革局").tasks.all() for name in t.item_names()
    }
