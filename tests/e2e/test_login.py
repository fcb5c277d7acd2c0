"""A member of staff logs in on the Chinese login page and switches the interface to English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from registries.models import User

PASSWORD = "Pa55word!x"  # tests.factories.UserFactory's password


@pytest.fixture
def staff(alice: User) -> User:
    return alice


def test_it_logs_in_in_chinese_and_switches_to_english(
    page: Page, live_server: object, staff: User, screenshot_dir: Path
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]

    page.goto(f"{base}/")
    # `/` is the public portal for visitors; the staff sign in from a page of theirs.
    expect(page).to_have_url(re.compile(r"/public/$"))
    page.goto(f"{base}/registries/targets/")

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.screenshot(path=screenshot_dir / "login-zh.png", full_page=True)

    page.get_by_label("用户名").fill(staff.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator(".brand")).to_have_text("双随机、一公开监管平台")
    expect(page.locator(".whoami")).to_contain_text("王丽")
    expect(page.locator(".whoami")).to_contain_text("部门业务人员")
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    page.screenshot(path=screenshot_dir / "home-zh.png", full_page=True)

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".brand")).to_have_text("Double-random, one-public supervision")
    expect(page.locator(".whoami")).to_contain_text("Department staff")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("button", name="中文")).to_be_visible()
    page.screenshot(path=screenshot_dir / "home-en.png", full_page=True)

    page.get_by_role("button", name="中文").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator(".brand")).to_have_text("双随机、一公开监管平台")
