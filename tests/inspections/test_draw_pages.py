"""Draw pages: who sees what (drawn list, tiers, teams), witness mode, the public verification page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from inspections.models import DrawRound, RoundStatus, Visit, VisitStatus
from inspections.services.draws import draw_round_open, draw_round_run, draw_round_start
from plans.models import Task
from registries.models import User
from tests.inspections.draw_fixtures import make_officers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(_draw_media) -> None:  # type: ignore[no-untyped-def]
    pass


@pytest.fixture
def done(task: Task, alice: User) -> DrawRound:
    draw_round = draw_round_open(task=task, user=alice)
    draw_round_start(draw_round=draw_round, user=alice, entropy="2026-11-23 体彩 5 8 1")
    return draw_round_run(round_id=draw_round.pk)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_lets_alice_open_and_start_a_round_from_the_pages(
    task: Task, alice: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = _client(alice)
    response = client.post(reverse("inspections:round_open", args=[task.pk]))
    draw_round = DrawRound.objects.get(task=task)
    assert response.url == reverse("inspections:round_detail", args=[draw_round.pk])  # type: ignore[attr-defined]
    page = client.get(response.url).content.decode()  # type: ignore[attr-defined]
    assert draw_round.commitment in page and draw_round.secret not in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("inspections:round_start", args=[draw_round.pk]), {"entropy": "42"})

    draw_round.refresh_from_db()
    assert draw_round.status == RoundStatus.DONE and draw_round.entropy == "42"
    page = client.get(reverse("inspections:round_detail", args=[draw_round.pk])).content.decode()
    assert draw_round.seed in page
    assert "A 低风险" in page  # alice's department plans the draw: she sees the tiers


def test_it_polls_while_the_draw_runs_and_refreshes_when_done(task: Task, alice: User) -> None:
    client = _client(alice)
    draw_round = draw_round_open(task=task, user=alice)
    draw_round_start(draw_round=draw_round, user=alice)  # queued: the test transaction never commits
    url = reverse("inspections:round_status", args=[draw_round.pk])

    running = client.get(url, headers={"HX-Request": "true"})

    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert "HX-Refresh" not in running

    draw_round_run(round_id=draw_round.pk)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"
    witness = client.get(url + "?witness=1").content.decode()
    draw_round.refresh_from_db()
    assert draw_round.seed in witness and "hx-trigger" not in witness


def test_it_hides_a_round_from_another_department(done: DrawRound, bob: User) -> None:
    client = _client(bob)
    for name in ("round_detail", "round_witness", "round_status"):
        assert client.get(reverse(f"inspections:{name}", args=[done.pk])).status_code == 404
    assert client.post(reverse("inspections:round_rematch", args=[done.pk])).status_code == 404


def test_it_shows_a_cooperating_department_the_list_without_tiers(done: DrawRound, bob: User) -> None:
    done.task.cooperating.add(bob.department)  # type: ignore[arg-type]
    page = _client(bob).get(reverse("inspections:round_detail", args=[done.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "抽中对象和检查组" in html
    assert "A 低风险" not in html and "各分类抽取数" not in html
    assert _client(bob).post(reverse("inspections:round_rematch", args=[done.pk])).status_code == 403


def test_it_gives_the_tiers_file_to_the_office_only(done: DrawRound, alice: User, olivia: User) -> None:
    url = reverse("inspections:round_tiers_file", args=[done.pk])
    assert _client(alice).get(url).status_code == 403
    response = _client(olivia).get(url)
    assert response.status_code == 200
    import gzip

    body = gzip.decompress(b"".join(response.streaming_content)).decode()  # type: ignore[attr-defined]
    assert "\tA\n" in body


def test_it_keeps_the_public_page_closed_until_the_visits_are_done(done: DrawRound) -> None:
    public = Client()
    url = reverse("publicity:draw_detail", args=[done.pk])
    assert public.get(url).status_code == 404
    assert public.get(reverse("publicity:draw_file", args=[done.pk, "population"])).status_code == 404

    Visit.objects.update(status=VisitStatus.DONE, visited_on=dt.date.today())

    html = public.get(url).content.decode()
    assert done.seed in html and done.secret in html and done.population_digest in html
    assert "A 低风险" not in html and "\tA" not in html
    population = public.get(reverse("publicity:draw_file", args=[done.pk, "population"]))
    assert population.status_code == 200
    script = b"".join(public.get(reverse("publicity:draw_verifier")).streaming_content)  # type: ignore[attr-defined]
    assert b"def verify(" in script
    assert done.task.name in public.get(reverse("publicity:draw_list")).content.decode()


def test_it_shows_an_inspector_only_their_own_visits(done: DrawRound, ivan: User, alice: User) -> None:
    officer = done.task.initiator.inspectors.first()  # type: ignore[union-attr]
    assert officer is not None
    officer.user = ivan
    officer.save()
    mine = Visit.objects.filter(coverage__drawn__team__inspector=officer).distinct()
    others = Visit.objects.exclude(pk__in=mine.values("pk"))
    client = _client(ivan)

    html = client.get(reverse("inspections:my_visits")).content.decode()

    assert mine.exists() and others.exists()
    for visit in mine:
        assert visit.target.name in html
    for visit in others:
        assert visit.target.name not in html
    assert client.get(reverse("inspections:round_detail", args=[done.pk])).status_code == 403
    assert _client(alice).get(reverse("inspections:my_visits")).status_code == 403


def test_it_offers_the_witness_screen_with_the_commitment(task: Task, alice: User) -> None:
    make_officers(0, alice.department)  # type: ignore[arg-type]
    draw_round = draw_round_open(task=task, user=alice)
    html = _client(alice).get(reverse("inspections:round_witness", args=[draw_round.pk])).content.decode()
    assert draw_round.commitment in html and 'name="entropy"' in html
