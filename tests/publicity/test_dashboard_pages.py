"""The office sees every department, a department's staff only their own; red where a goal is missed."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from publicity.models import YearGoals
from registries.models import User
from tests.publicity.conftest import County

pytestmark = pytest.mark.django_db


def _figure(body: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', body)
    assert match, name
    return match.group(1)


def test_it_shows_the_office_every_departments_figures(client: Client, county: County, olivia: User) -> None:
    client.force_login(olivia)
    body = client.get(reverse("dashboard:index"), {"year": 2026}).content.decode()
    assert (_figure(body, "tasks_planned"), _figure(body, "visits_done"), _figure(body, "visits_saved")) == (
        "5",
        "10",
        "6",
    )
    assert _figure(body, "coverage") == "83.3%"
    assert "阳城县市场监督管理局" in body and "阳城县发展和改革局" in body
    # 33.3% of tasks drawn with tiers against a 60% goal: red.
    assert re.search(r'class="tile card miss"><span class="tile-num" data-figure="tier_use_tasks">33.3%', body)
    assert re.search(r'class="tile card miss"[^>]*><span class="tile-num" data-figure="visits_overdue">1<', body)


def test_it_shows_a_departments_staff_only_their_department(client: Client, county: County, bob: User) -> None:
    client.force_login(bob)
    body = client.get(reverse("dashboard:index"), {"year": 2026, "department": county.amr.pk}).content.decode()
    assert _figure(body, "tasks_planned") == "2"
    assert "阳城县市场监督管理局" not in body
    drill = client.get(reverse("dashboard:rows", args=["visits_done"]), {"department": county.amr.pk}).content
    assert county.grain[0].name not in drill.decode()
    assert county.fuel[0].name in drill.decode()


def test_it_refuses_inspectors_and_sends_strangers_to_login(client: Client, county: County, ivan: User) -> None:
    assert client.get(reverse("dashboard:index")).status_code == 302
    client.force_login(ivan)
    assert client.get(reverse("dashboard:index")).status_code == 403
    assert client.get(reverse("dashboard:export", args=["figures"])).status_code == 403


def test_it_drills_into_the_overdue_results(client: Client, county: County, olivia: User) -> None:
    client.force_login(olivia)
    body = client.get(reverse("dashboard:rows", args=["visits_overdue"]), {"year": 2026}).content.decode()
    assert county.grain[5].name in body
    assert county.grain[0].name not in body
    late = client.get(reverse("dashboard:rows", args=["entered_late"]), {"year": 2026}).content.decode()
    assert county.grain[0].name in late
    tasks = client.get(reverse("dashboard:rows", args=["tasks_not_started"]), {"year": 2026}).content.decode()
    assert "食品生产企业监督检查" in tasks and "价格监督检查" not in tasks
    follow_ups = client.get(reverse("dashboard:rows", args=["follow_ups_overdue"]), {"year": 2026}).content.decode()
    assert county.grain[1].name in follow_ups and county.fuel[0].name not in follow_ups
    assert client.get(reverse("dashboard:rows", args=["no-such-figure"])).status_code == 404


def test_it_exports_the_figures_and_the_department_table(client: Client, county: County, olivia: User) -> None:
    client.force_login(olivia)
    response = client.get(reverse("dashboard:export", args=["figures"]), {"year": 2026})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    figures = {row[0]: row[1] for row in book["指标"].iter_rows(values_only=True) if row and row[0]}
    assert figures["计划任务数"] == 5 and figures["企业抽查覆盖率（%）"] == 83.3
    assert figures["逾期未录入户次"] == 1
    table = list(book["部门明细"].iter_rows(values_only=True))
    assert table[0][0] == "部门"
    amr = next(r for r in table if r[0] == "阳城县市场监督管理局")
    assert amr[1:4] == (3, 2, 0)
    overdue_col = table[0].index("逾期未录入户次") + 1
    amr_row = next(i for i, r in enumerate(table, start=1) if r[0] == "阳城县市场监督管理局")
    assert book["部门明细"].cell(amr_row, overdue_col).fill.fgColor.rgb.endswith("F8D7DA")


@pytest.mark.parametrize(
    ("which", "title", "planned"),
    [("half-year", "上半年", 4), ("self-check", "年度", 5)],  # b2 opens in September: not in the half year
)
def test_it_prefills_the_half_year_summary_and_the_self_check(
    client: Client, county: County, olivia: User, which: str, title: str, planned: int
) -> None:
    client.force_login(olivia)
    response = client.get(reverse("dashboard:export", args=[which]), {"year": 2026})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    text = " ".join(str(c) for c in book.worksheets[0].iter_cols(max_col=1, values_only=True) for c in c if c)
    assert title in text
    assert f"本年度计划抽查任务 {planned} 项，已启动 3 项，已完成 1 项" in text
    assert "信用风险分类结果应用率未达到目标" in text
    tasks = {row[2]: row for row in book["任务完成情况"].iter_rows(min_row=2, values_only=True)}
    grain = tasks["粮食收购企业双随机抽查"]
    assert (grain[3], grain[5], grain[6], grain[7], grain[8]) == ("阳城县市场监督管理局", 8, 6, 5, 2)
    assert tasks["成品油零售企业双随机抽查"][5:] == (4, 4, 4, 1)


def test_it_lets_the_office_set_the_goals_and_no_one_else(
    client: Client, county: County, olivia: User, alice: User
) -> None:
    client.force_login(alice)
    assert client.post(reverse("dashboard:goals"), {"year": 2026, "coverage_percent": "1"}).status_code == 403
    client.force_login(olivia)
    client.post(reverse("dashboard:goals"), {"year": 2026, "coverage_percent": "90", "tier_use_percent": "30"})
    assert YearGoals.objects.get(year=2026).tier_use_percent == 30
    body = client.get(reverse("dashboard:index"), {"year": 2026}).content.decode()
    assert 'class="tile card"><span class="tile-num" data-figure="tier_use_tasks">33.3%' in body
    assert 'class="tile card miss"><span class="tile-num" data-figure="coverage">83.3%' in body


def test_it_serves_the_charts_without_inline_script(client: Client, county: County, olivia: User) -> None:
    client.force_login(olivia)
    response = client.get(reverse("dashboard:index"), {"year": 2026})
    body = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for script in re.findall(r"<script([^>]*)>(.*?)</script>", body, re.S):
        attrs, _content = script
        assert "src=" in attrs or 'type="application/json"' in attrs, script
    if 'id="dashboard-charts"' in body:
        assert "vendor/chart.js/chart.umd.min.js" in body and "js/dashboard.js" in body


def test_it_lists_a_users_notifications_and_counts_the_unread_in_the_nav(
    client: Client, county: County, alice: User
) -> None:
    from publicity.watch import daily_watch
    from tests.publicity.conftest import TODAY

    daily_watch(today=TODAY)
    client.force_login(alice)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "检查结果逾期未录入" in page
    assert 'data-unread="3"' in page
    note = alice.notifications.get(kind="result-overdue")
    response = client.get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == f"/inspections/visits/{county.overdue_visit.pk}/"
    assert 'data-unread="2"' in client.get(reverse("notifications:list")).content.decode()
    client.post(reverse("notifications:read_all"))
    assert 'data-unread="0"' in client.get(reverse("notifications:list")).content.decode()
