"""Staff run a draw round and see the teams; an inspector sees only their own visits; the
public verification page opens only once the visits are done."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from inspections.models import DrawRound, TeamMember, Visit, VisitStatus
from plans.models import Task
from registries.models import User
from tests.inspections.draw_fixtures import make_officers, make_targets, make_task

PASSWORD = "Pa55word!x"  # tests.factories.UserFactory's password


@pytest.fixture
def journey_task(alice: User, ivan: User, settings, tmp_path: Path) -> Task:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    assert alice.department is not None
    make_targets(40, alice.department)
    officers = make_officers(4, alice.department)
    officers[0].user = ivan
    officers[0].save()
    # Its window is the whole year (to 20 December): the journey draws inside it, without a reason.
    return make_task(alice.department, percent="20", start_month=1, end_month=12)


def _login(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def _logout(page: Page) -> None:
    page.get_by_role("button", name="退出").click()


def test_it_runs_a_round_shows_teams_keeps_visits_private_and_publishes_after_the_visits(
    page: Page, live_server: object, journey_task: Task, alice: User, ivan: User, screenshot_dir: Path
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]

    _login(page, base, alice)
    page.goto(f"{base}/inspections/draws/")
    page.get_by_role("link", name=re.compile(journey_task.name)).click()
    reason = page.get_by_label(re.compile("检查期外抽取理由"))
    if reason.count():  # 21–31 December only: past every window of the year
        reason.fill("年底补抽")
    page.get_by_role("button", name="新建抽取轮次（生成承诺值）").click()
    draw_round = DrawRound.objects.get(task=journey_task)
    expect(page.locator("code.hash").first).to_have_text(draw_round.commitment)
    page.get_by_label(re.compile("公开随机数")).fill("2026 体彩 03 11 27")
    page.get_by_role("button", name="开始抽取").click()

    expect(page.locator("[data-status]")).to_have_attribute("data-status", "done")
    draw_round.refresh_from_db()
    expect(page.locator("#seed")).to_have_text(draw_round.seed)
    rows = page.locator("table.drawn tbody tr")
    expect(rows).to_have_count(draw_round.drawn_count)
    expect(rows.first.locator("td.team .badge")).to_have_count(2)
    page.screenshot(path=screenshot_dir / "draw-round-done.png", full_page=True)
    _logout(page)

    mine = Visit.objects.filter(coverage__drawn__team__inspector__user=ivan).distinct()
    others = Visit.objects.exclude(pk__in=mine.values("pk"))
    assert mine.exists() and others.exists()
    _login(page, base, ivan)
    page.goto(f"{base}/inspections/visits/")
    expect(page.locator("section.visit")).to_have_count(mine.count())
    for visit in others[:3]:
        expect(page.get_by_text(visit.target.name, exact=True)).to_have_count(0)
    expect(page.get_by_text("A 低风险")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "inspector-visits.png", full_page=True)
    _logout(page)

    public_url = f"{base}/public/draws/{draw_round.pk}/"
    assert page.goto(public_url).status == 404  # type: ignore[union-attr]
    Visit.objects.update(status=VisitStatus.DONE, visited_on=dt.date.today())
    assert page.goto(public_url).status == 200  # type: ignore[union-attr]
    expect(page.locator("#seed")).to_have_text(draw_round.seed)
    expect(page.get_by_role("link", name=re.compile("drawing.py"))).to_be_visible()
    expect(page.get_by_text("A 低风险")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "draw-public.png", full_page=True)
    assert TeamMember.objects.filter(drawn__round=draw_round).count() >= 2 * draw_round.drawn_count
