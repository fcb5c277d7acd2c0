"""Staff uploads a target workbook with one bad row, reads that row's error, commits the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from registries.models import User
from tests.factories import enterprise_code
from tests.registries.import_workbooks import target_row, target_workbook

PASSWORD = "Pa55word!x"  # tests.factories.UserFactory's password


@pytest.fixture(autouse=True)
def _media(settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]


def test_it_imports_a_target_workbook_showing_the_rejected_row(
    page: Page, live_server: object, alice: User, tmp_path: Path, screenshot_dir: Path
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    bad = enterprise_code(2)[:-1] + ("0" if enterprise_code(2)[-1] != "0" else "1")
    workbook = target_workbook(
        tmp_path / "阳城县检查对象名录.xlsx",
        [
            target_row(enterprise_code(1), "阳城县晋丰粮油有限公司"),
            target_row(bad, "阳城县校验位错误商贸有限公司"),
            target_row(enterprise_code(3), "阳城县润泽加油站", tags="加油站"),
        ],
    )

    page.goto(f"{base}/registries/imports/")
    page.get_by_label("用户名").fill(alice.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_role("heading", name="导入与导出")).to_be_visible()
    page.get_by_label("导入内容").select_option("targets")
    page.get_by_label("文件（Excel .xlsx / .xls，或CSV）").set_input_files(workbook)
    page.get_by_label("全部成功才导入", exact=False).uncheck()  # import the good rows, list the bad one
    page.get_by_role("button", name="上传并预览").click()

    errors = page.locator("table.import-errors")
    expect(errors).to_contain_text("第4行")
    expect(errors).to_contain_text("统一社会信用代码校验位错误")
    expect(page.locator("#job")).to_contain_text("预览，尚未写入")
    page.screenshot(path=screenshot_dir / "import-preview.png", full_page=True)

    page.get_by_role("button", name="导入其余有效的行").click()
    expect(page.locator("#job")).to_contain_text("已完成")
    expect(page.locator("table.import-errors")).to_contain_text("第4行")

    page.goto(f"{base}/registries/targets/")
    expect(page.get_by_text("阳城县晋丰粮油有限公司")).to_be_visible()
    expect(page.get_by_text("阳城县润泽加油站")).to_be_visible()
    expect(page.get_by_text("阳城县校验位错误商贸有限公司")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "import-done.png", full_page=True)
