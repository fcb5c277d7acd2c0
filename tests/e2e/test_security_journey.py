"""Six wrong passwords lock an account; the audit administrator sees the lockout; no admin page without TOTP."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect

from registries.models import Role, User
from registries.otp import demo_totp_enrol
from tests.factories import UserFactory
from tests.security.conftest import token_now

PASSWORD = "Pa55word!x"  # tests.factories.UserFactory's password


@pytest.fixture
def audrey(db: None) -> User:
    user = UserFactory(username="audrey", full_name="孙审计", role=Role.AUDIT_ADMIN, department=None)
    demo_totp_enrol(user)
    return user


@pytest.fixture
def simon(db: None) -> User:
    return UserFactory(username="simon", full_name="周系统", role=Role.SYSTEM_ADMIN, department=None)


@pytest.fixture
def behind_the_proxy(settings) -> None:  # type: ignore[no-untyped-def]
    """As in production: the client's address comes from the proxy's X-Forwarded-For."""
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]


def _page_from(browser: Browser, address: str) -> Page:
    context = browser.new_context(locale="zh-CN", extra_http_headers={"X-Forwarded-For": address})
    return context.new_page()


def _sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_a_lockout_is_seen_by_the_audit_administrator_and_admin_pages_need_totp(
    browser: Browser,
    live_server: object,
    behind_the_proxy: None,
    alice: User,
    audrey: User,
    simon: User,
    screenshot_dir: Path,
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]

    # Someone at 10.20.30.40 guesses alice's password six times.
    page = _page_from(browser, "10.20.30.40")
    for _ in range(4):
        _sign_in(page, base, "alice", "Wrong#pass1")
        expect(page.locator(".error")).to_contain_text("用户名或密码错误")
    _sign_in(page, base, "alice", "Wrong#pass1")  # the fifth failure locks
    expect(page.get_by_role("heading", name="账号已锁定")).to_be_visible()
    _sign_in(page, base, "alice", PASSWORD)  # the sixth, with the right password, is refused
    expect(page.get_by_role("heading", name="账号已锁定")).to_be_visible()
    page.screenshot(path=screenshot_dir / "security-locked.png", full_page=True)

    # The audit administrator, at another desk, passes TOTP and finds the lockout.
    page = _page_from(browser, "10.20.30.41")
    _sign_in(page, base, "audrey", PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/otp/verify/"))
    page.get_by_label("动态验证码").fill(token_now(TOTPDevice.objects.get(user=audrey)))
    page.get_by_role("button", name="验证").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/"))
    page.goto(f"{base}/audit/?action=auth.lockout")
    row = page.locator("table.audit tbody tr").last
    expect(row).to_contain_text("auth.lockout")
    expect(row).to_contain_text("alice")
    expect(row).to_contain_text("10.20.30.40")
    expect(row).to_contain_text("失败")
    page.screenshot(path=screenshot_dir / "security-audit-trail.png", full_page=True)

    # The system administrator has no second factor yet: no administrator page.
    page = _page_from(browser, "10.20.30.42")
    _sign_in(page, base, "simon", PASSWORD)
    for path in ("/audit/", "/admin/", "/"):
        page.goto(f"{base}{path}")
        expect(page).to_have_url(re.compile(r"/accounts/otp/setup/"))
    expect(page.get_by_role("heading", name="启用动态验证码")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
