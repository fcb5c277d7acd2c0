"""The leading-group office logs in, reads the demo county's figures, drills into an overdue
result and exports the department table."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.utils import timezone
from playwright.sync_api import Page, expect

from inspections.models import Visit, VisitStatus
from publicity.dashboard import figures
from registries.models import User
from tests.e2e.demo_county import PASSWORD, demo_user, load_demo_county


@pytest.fixture
def office(settings, tmp_path: Path, db: None) -> User:  # type: ignore[no-untyped-def]
    load_demo_county(settings, tmp_path)
    return demo_user("office")


def test_it_shows_the_office_the_figures_the_overdue_rows_and_the_export(
    page: Page, live_server: object, office: User, screenshot_dir: Path
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    today = timezone.localdate()
    expected = figures(year=today.year, today=today).total
    overdue = (
        Visit.objects.filter(status=VisitStatus.DONE, entry_deadline__lt=today)
        .select_related("target")
        .order_by("entry_deadline", "pk")
        .first()
    )
    assert overdue is not None and expected.visits_overdue > 0

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(office.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_role("link", name="统计").click()

    expect(page.locator('[data-figure="tasks_planned"]')).to_have_text(str(expected.tasks_planned))
    expect(page.locator('[data-figure="visits_done"]')).to_have_text(f"{expected.visits_done:,}")
    expect(page.locator('[data-figure="publicity_rate"]')).to_have_text("100.0%")
    expect(page.locator('[data-figure="visits_overdue"]')).to_have_text(str(expected.visits_overdue))
    expect(page.locator("#departments")).to_contain_text("阳城县市场监督管理局")
    expect(page.locator(".tile.miss").first).to_be_visible()  # a goal missed: red
    if finders.find(django_settings.CHART_JS):  # scripts/setup copied Chart.js from npm
        for chart in ("chart-progress", "chart-finds", "chart-coverage"):
            assert page.evaluate(f"() => !!window.Chart && !!window.Chart.getChart('{chart}')"), chart
    page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)
    _assert_fits(page, screenshot_dir, width=1280, height=900)
    _assert_fits(page, screenshot_dir, width=390, height=844)
    page.set_viewport_size({"width": 1280, "height": 720})

    page.locator('a.tile:has([data-figure="visits_overdue"])').click()
    expect(page.get_by_role("heading", name=re.compile("逾期未录入结果"))).to_be_visible()
    expect(page.locator("#drill")).to_contain_text(overdue.target.name)
    page.screenshot(path=str(screenshot_dir / "dashboard-overdue.png"), full_page=True)

    page.get_by_role("link", name=re.compile("返回统计")).click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出指标及部门明细（xlsx）").click()
    content = Path(download_info.value.path()).read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(content))
    table = list(book["部门明细"].iter_rows(values_only=True))
    assert table[0][:3] == ("部门", "计划任务数", "已启动任务数")
    names = [row[0] for row in table]
    assert "阳城县市场监督管理局" in names and names[-1] == "合计"
    assert table[-1][1] == expected.tasks_planned


# Per chart card: the canvas's rendered box and the card's (CSS pixels).
CHART_BOXES = """() => [...document.querySelectorAll('.charts canvas')].map(canvas => {
  const c = canvas.getBoundingClientRect(), k = canvas.closest('.card').getBoundingClientRect();
  return [canvas.id, c.width, k.width, c.right - k.right, c.bottom - k.bottom];
})"""
# The department table: its wrapper's visible width and whether the wrapper scrolls it.
TABLE_WRAP = """() => {
  const wrap = document.querySelector('#departments').closest('.table-wrap');
  return [wrap.clientWidth, wrap.scrollWidth, getComputedStyle(wrap).overflowX, window.innerWidth];
}"""


def _assert_fits(page: Page, screenshot_dir: Path, *, width: int, height: int) -> None:
    """At this window width: no sideways scrolling of the page, every chart inside its card,
    and the department table scrolling inside its own wrapper, not cut off."""
    page.set_viewport_size({"width": width, "height": height})
    page.reload()
    expect(page.locator("#departments")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / f"dashboard-{width}.png"), full_page=True)
    scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, (width, scroll_width, inner_width)
    if finders.find(django_settings.CHART_JS):
        for chart, canvas_width, card_width, past_right, past_bottom in page.evaluate(CHART_BOXES):
            assert 0 < canvas_width <= card_width, (width, chart, canvas_width, card_width)
            assert past_right <= 0 and past_bottom <= 0, (width, chart, past_right, past_bottom)
    wrap_width, wrap_scroll, overflow, inner = page.evaluate(TABLE_WRAP)
    assert wrap_width <= inner, (width, wrap_width, inner)
    assert overflow == "auto" or wrap_scroll <= wrap_width, (width, overflow, wrap_scroll, wrap_width)
