"""The public, without logging in, searches a credit code and finds its published result."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from publicity.models import PublishedResult
from tests.e2e.demo_county import load_demo_county


@pytest.fixture
def published(settings, tmp_path: Path, db: None) -> PublishedResult:  # type: ignore[no-untyped-def]
    load_demo_county(settings, tmp_path)
    row = PublishedResult.objects.filter(problem_found=True).order_by("pk").first()
    assert row is not None
    return row


def test_it_finds_a_published_result_by_credit_code(
    page: Page, live_server: object, published: PublishedResult, screenshot_dir: Path
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{base}/public/plans/")
    page.get_by_role("link", name="抽查结果").click()
    page.get_by_label("企业名称或统一社会信用代码").fill(published.target_code)
    page.get_by_role("button", name="查询").click()

    expect(page).to_have_url(re.compile(r"/public/results/\?q="))
    card = page.locator("article.result").filter(has_text=published.task_name)
    expect(card.first).to_contain_text(published.target_name)
    expect(card.first).to_contain_text(published.result_text)
    page.screenshot(path=str(screenshot_dir / "public-results.png"), full_page=True)

    page.get_by_role("link", name=published.target_name).first.click()
    expect(page.get_by_role("heading", name=published.target_name)).to_be_visible()
    expect(page.locator("body")).to_contain_text(published.authority)
    expect(page.locator("body")).not_to_contain_text("高风险")
    expect(page.locator("body")).not_to_contain_text("退出")  # nobody is logged in
