"""On a phone: an inspector records a visit's results with a photo, submits, cannot edit them
afterwards, and asks for a correction that the unit's principal leader approves."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Response, expect

from inspections.models import Correction, CorrectionStatus, Evidence, FollowUp, Result, ResultDraft, Visit
from registries.models import Role, User
from tests.e2e.demo_county import ensure_seeded
from tests.factories import UserFactory
from tests.inspections.results.builders import drawn_grain_task, jpeg_bytes

PASSWORD = "Pa55word!x"  # tests.factories.UserFactory's password
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture
def field_visit(alice: User, ivan: User, settings, tmp_path: Path) -> Visit:  # type: ignore[no-untyped-def]
    """One grain-purchasing enterprise drawn this year by a two-item task; ivan is on its team."""
    ensure_seeded()  # an earlier live_server test emptied the seeded result categories and calendar
    settings.MEDIA_ROOT = tmp_path
    today = dt.date.today()
    drawn_grain_task(alice, ivan, targets=1, year=today.year, start_month=1, end_month=12)
    return Visit.objects.get()


@pytest.fixture
def leo(alice: User) -> User:
    return UserFactory(username="leo", full_name="刘建国", role=Role.LEADER, department=alice.department)


def _phone(browser: Browser, base: str, user: User) -> Page:
    context = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    return page


def _draft_saved(response: Response) -> bool:
    return response.url.endswith("/draft/") and response.ok


def test_it_records_results_with_a_photo_locks_them_and_corrects_through_the_leader(
    browser: Browser,
    live_server: Any,
    field_visit: Visit,
    ivan: User,
    leo: User,
    screenshot_dir: Path,
) -> None:
    base = str(live_server.url)
    page = _phone(browser, base, ivan)
    page.goto(f"{base}/inspections/visits/")
    page.get_by_role("link", name="录入检查结果").click()
    expect(page.get_by_role("heading", name=field_visit.target.name)).to_be_visible()
    # htmx binds the autosave when the page has loaded; a tick before that would not be sent.
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")

    # Autosaved as it is typed; a reload (a lost connection) keeps it.
    first, second = page.locator("fieldset.slot").all()
    with page.expect_response(_draft_saved, timeout=15_000):
        first.get_by_label("未发现问题").check()
    expect(page.locator("#draft-status")).to_contain_text("草稿已保存")
    second.get_by_text("发现问题或其他情况").click()  # folded away: most visits find nothing
    with page.expect_response(_draft_saved, timeout=15_000):
        second.get_by_label("发现问题待后续处理").check()
    findings = page.get_by_label(re.compile("检查情况"))
    with page.expect_response(_draft_saved, timeout=15_000):
        findings.fill("库存台账与实物数量不符，已责令限期整改")
        findings.blur()
    draft = ResultDraft.objects.get(visit=field_visit)
    assert draft.data["findings"] == "库存台账与实物数量不符，已责令限期整改"
    page.reload()
    expect(page.locator("fieldset.slot").nth(1).get_by_label("发现问题待后续处理")).to_be_checked()
    expect(page.get_by_label(re.compile("检查情况"))).to_have_value("库存台账与实物数量不符，已责令限期整改")

    page.locator("#files").set_input_files(
        {"name": "现场照片.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((640, 480))}
    )
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.get_by_text("已上传 现场照片.jpg")).to_be_visible()
    expect(page.locator("ul.evidence img")).to_have_count(1)
    page.screenshot(path=str(screenshot_dir / "result-entry-phone.png"), full_page=True)

    page.get_by_role("button", name=re.compile("提交结果")).click()
    expect(page.get_by_text(re.compile("检查结果已提交并锁定"))).to_be_visible()
    expect(page.locator("#entry-form")).to_have_count(0)
    result = Result.objects.get()
    assert result.problem_found and Evidence.objects.get().result == result
    assert FollowUp.objects.filter(visit=field_visit).count() == 1
    # No way back in: the draft endpoint refuses a submitted visit.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    refused = page.request.post(
        f"{base}/inspections/visits/{field_visit.pk}/draft/",
        form={"findings": "改"},
        headers={"X-CSRFToken": token, "HX-Request": "true", "Referer": base},
    )
    assert refused.status == 409 and "更正申请" in refused.text()
    assert Result.objects.get().findings == "库存台账与实物数量不符，已责令限期整改"

    page.get_by_role("link", name="申请更正").click()
    page.get_by_label("更正理由").fill("现场复核：库存数量相符，原录入有误")
    slot = page.locator("fieldset.slot").nth(1)
    slot.get_by_label("发现问题待后续处理").uncheck()
    slot.get_by_label("未发现问题").check()
    page.get_by_role("button", name="提交更正申请").click()
    expect(page.get_by_text("待单位主要负责人审批")).to_be_visible()

    leader = _phone(browser, base, leo)
    leader.goto(f"{base}/inspections/corrections/")
    leader.get_by_role("link", name=field_visit.target.name).click()
    expect(leader.get_by_text("现场复核：库存数量相符，原录入有误")).to_be_visible()
    leader.get_by_role("button", name="批准更正").click()
    expect(leader.get_by_text("已批准").first).to_be_visible()
    assert Correction.objects.get().status == CorrectionStatus.APPROVED

    page.goto(f"{base}/inspections/visits/{field_visit.pk}/")
    expect(page.locator("#result-v2")).to_contain_text("第 2 版")
    expect(page.locator("#result-v1")).to_contain_text("发现问题待后续处理")
    page.screenshot(path=str(screenshot_dir / "result-corrected-phone.png"), full_page=True)


def test_a_photo_chosen_but_not_uploaded_goes_with_the_submission(
    browser: Browser, live_server: Any, field_visit: Visit, ivan: User, screenshot_dir: Path
) -> None:
    base = str(live_server.url)
    page = _phone(browser, base, ivan)
    page.goto(f"{base}/inspections/visits/{field_visit.pk}/")
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")

    # Chosen first; the autosave that follows sends the form without the photo (no upload on every tick).
    page.locator("#files").set_input_files(
        {"name": "现场照片.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((640, 480))}
    )
    first, second = page.locator("fieldset.slot").all()
    with page.expect_response(_draft_saved, timeout=15_000) as saved:
        first.get_by_label("未发现问题").check()
    assert b"JFIF" not in (saved.value.request.post_data_buffer or b"")
    with page.expect_response(_draft_saved, timeout=15_000):
        second.get_by_label("未发现问题").check()
    assert not Evidence.objects.exists()

    # Submitted without pressing 上传: the photo is on the submitted result.
    page.get_by_role("button", name=re.compile("提交结果")).click()
    expect(page.get_by_text(re.compile("检查结果已提交并锁定"))).to_be_visible()
    expect(page.get_by_text("已随结果上传 现场照片.jpg")).to_be_visible()
    expect(page.locator("#result-v1 ul.evidence img")).to_have_count(1)
    result = Result.objects.get()
    assert Evidence.objects.get().result == result and not result.problem_found
    page.screenshot(path=str(screenshot_dir / "result-submitted-with-photo-phone.png"), full_page=True)
