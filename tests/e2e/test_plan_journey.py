"""Bureau staff imports a sample plan, resolves an unknown department in the preview, publishes
it, and the public page shows it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from registries.models import Department, Role, User
from tests.factories import UserFactory

PASSWORD = "Pa55word!x"  # tests.factories.UserFactory's password
SAMPLE = Path(__file__).resolve().parent.parent / "plans" / "samples" / "plan-2022-county-drc.xlsx"


@pytest.fixture
def county_staff(drc: Department, amr: Department) -> User:
    Department.objects.create(name="国家统计局阳城调查队", level=drc.level, region=drc.region)
    return UserFactory(username="zhou", full_name="周涛", role=Role.STAFF, department=drc)


def test_it_imports_resolves_publishes_and_shows_a_plan(
    page: Page, live_server: object, county_staff: User, screenshot_dir: Path
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    page.goto(f"{base}/plans/")
    page.get_by_label("用户名").fill(county_staff.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/plans/$"))

    page.get_by_role("link", name="导入计划表").click()
    page.get_by_label("计划表（.xlsx 或 .tsv）").set_input_files(str(SAMPLE))
    page.get_by_label("年度").fill("2022")
    page.get_by_role("button", name="上传并预览").click()

    expect(page.get_by_role("heading", name="计划导入预览")).to_be_visible()
    expect(page.locator("#unresolved")).to_contain_text("统计局")
    expect(page.locator("#tasks-preview")).to_contain_text("部门联合粮食企业监督检查")
    expect(page.locator("#tasks-preview")).to_contain_text("阳城县市场监督管理局")
    page.screenshot(path=screenshot_dir / "plan-preview.png", full_page=True)

    page.get_by_label("统计局").select_option(label="国家统计局阳城调查队")
    page.get_by_role("button", name="确认导入").click()

    expect(page.get_by_role("heading", name="阳城县发展和改革委员会2022年度双随机一公开抽查工作计划")).to_be_visible()
    expect(page.locator(".task").nth(1)).to_contain_text("国家统计局阳城调查队")
    page.get_by_role("button", name="公布计划").click()
    expect(page.locator(".messages")).to_contain_text("计划已公布")

    page.get_by_role("button", name="退出").click()
    page.goto(f"{base}/public/plans/")
    page.get_by_role("link", name="阳城县发展和改革委员会2022年度双随机一公开抽查工作计划").click()
    expect(page.locator("table")).to_contain_text("部门联合粮食企业监督检查")
    expect(page.locator("table")).to_contain_text("40% 1次/年")
    expect(page.locator("table")).to_contain_text("国家统计局阳城调查队")
    page.screenshot(path=screenshot_dir / "plan-public.png", full_page=True)
