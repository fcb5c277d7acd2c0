"""A citizen verifies a published draw in the browser, on a phone, without a shell: the public
page downloads the files and recomputes the draw with WebCrypto (static/js/draw_verify.js).
The same verdict as inspections/drawing.py: verified for the files as published, a failure
for a tampered file."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from inspections import drawing
from inspections.models import DrawRound, Visit, VisitStatus
from inspections.population import read_bytes
from inspections.services.draws import draw_round_open, draw_round_run, draw_round_start
from registries.models import User
from tests.e2e.demo_county import ensure_seeded
from tests.inspections.draw_fixtures import make_officers, make_targets, make_task


def _published_round(alice: User, *, uses_tiers: bool, number: int) -> DrawRound:
    assert alice.department is not None
    task = make_task(alice.department, number=number, uses_tiers=uses_tiers, percent="15")
    # The reason counts only outside the task's window (March–October), whatever today is.
    draw_round = draw_round_open(task=task, user=alice, out_of_window_reason="端到端测试：检查期外补抽")
    draw_round_start(draw_round=draw_round, user=alice, entropy="2026-11-23 体彩 5 8 1")
    done = draw_round_run(round_id=draw_round.pk)
    Visit.objects.update(status=VisitStatus.DONE, visited_on=dt.date.today())
    return done


@pytest.fixture
def rounds(alice: User, settings, tmp_path: Path) -> dict[str, DrawRound]:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    ensure_seeded()
    assert alice.department is not None
    make_targets(120, alice.department)
    make_officers(6, alice.department)
    return {
        "untiered": _published_round(alice, uses_tiers=False, number=1),
        "tiered": _published_round(alice, uses_tiers=True, number=2),
    }


def _verify(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="开始验证").click()


@pytest.mark.parametrize("kind", ["untiered", "tiered"])
def test_a_citizen_verifies_a_published_draw_in_the_browser(
    page: Page, live_server: object, rounds: dict[str, DrawRound], kind: str, screenshot_dir: Path
) -> None:
    draw_round = rounds[kind]
    assert draw_round.is_done and draw_round.uses_tiers == (kind == "tiered")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone

    _verify(page, f"{live_server.url}/public/draws/{draw_round.pk}/")  # type: ignore[attr-defined]

    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "ok", timeout=20_000)
    expect(page.locator("#verdict")).to_contain_text("验证通过")
    expect(page.locator("#verdict-problems li")).to_have_count(0)
    page.screenshot(path=screenshot_dir / f"draw-verify-{kind}.png", full_page=True)


def test_a_tampered_drawn_list_fails_in_the_browser_as_in_drawing_py(
    page: Page, live_server: object, rounds: dict[str, DrawRound]
) -> None:
    draw_round = rounds["untiered"]
    population = drawing.parse_population(read_bytes(draw_round, "population.txt.gz").decode())
    drawn = drawing.parse_population(read_bytes(draw_round, "drawn.txt").decode())
    swapped = sorted([*drawn[:-1], next(k for k in population if k not in drawn)])
    body = "".join(f"{k}\n" for k in swapped)

    def tampered(route: Route) -> None:
        route.fulfill(status=200, body=body, content_type="text/plain")

    page.route("**/drawn/", tampered)
    _verify(page, f"{live_server.url}/public/draws/{draw_round.pk}/")  # type: ignore[attr-defined]

    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "fail", timeout=20_000)
    expect(page.locator("#verdict-problems")).to_contain_text("抽中名单与随机种子给出的结果不一致")
    # drawing.py says the same of the same files.
    verdict = drawing.verify_files(
        task=str(draw_round.task_id),
        round_no=draw_round.round_no,
        population_file=read_bytes(draw_round, "population.txt.gz"),
        published_commitment=draw_round.commitment,
        secret=draw_round.secret,
        entropy=draw_round.entropy,
        tiers_digest=draw_round.tiers_digest,
        selected=swapped,
        tiers_file=drawing.tiers_text(dict.fromkeys(population, drawing.UNTIERED)).encode(),
        counts=draw_round.counts,
    )
    assert verdict.problems == ["the selection differs from the one the seed gives"]


def test_a_tampered_population_of_a_tiered_draw_fails_in_the_browser(
    page: Page, live_server: object, rounds: dict[str, DrawRound]
) -> None:
    draw_round = rounds["tiered"]
    population = read_bytes(draw_round, "population.txt.gz")
    drawn = set(drawing.parse_population(read_bytes(draw_round, "drawn.txt").decode()))
    # A population with one firm that was not drawn left out: the digest no longer matches.
    keys = drawing.parse_population(population.decode())
    dropped = next(k for k in keys if k not in drawn)
    body = gzip.compress(drawing.population_text([k for k in keys if k != dropped]).encode())

    page.route("**/population/", lambda route: route.fulfill(status=200, body=body, content_type="application/gzip"))
    _verify(page, f"{live_server.url}/public/draws/{draw_round.pk}/")  # type: ignore[attr-defined]

    expect(page.locator("#verdict")).to_have_attribute("data-verdict", "fail", timeout=20_000)
    expect(page.locator("#verdict-problems")).to_contain_text("对象名单文件与公布的对象名单摘要不一致")
    expect(page.locator("#verdict-problems")).to_contain_text("随机种子")
