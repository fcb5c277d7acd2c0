"""Starting a draw: the witness's entropy is limited to a safe alphabet and quoted wherever it is
shown as a command; a broker outage keeps the round queued (said clearly) and the beat enqueues
it as soon as the broker is back; the projector shows totals only."""

from __future__ import annotations

import datetime as dt
import shlex

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from kombu.exceptions import OperationalError

from inspections.models import DrawRound, RoundStatus, Visit, VisitStatus
from inspections.services.draws import (
    draw_round_open,
    draw_round_run,
    draw_round_start,
    draw_rounds_requeue_stuck,
)
from inspections.tasks import run_draw
from inspections.verification import verify_round
from plans.models import Task
from publicity.views_draws import verify_command
from registries.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(_draw_media) -> None:  # type: ignore[no-untyped-def]
    pass


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "entropy", ["1'; touch /tmp/pwned; echo '", "$(id)", "`id`", "a|b", "5\n8", "a;b", 'a"b', "a\\b", "x" * 201]
)
def test_it_refuses_entropy_outside_the_safe_alphabet_and_changes_nothing(
    task: Task, alice: User, entropy: str
) -> None:
    draw_round = draw_round_open(task=task, user=alice)

    with pytest.raises(ValidationError, match="只能包含文字、数字、空格"):
        draw_round_start(draw_round=draw_round, user=alice, entropy=entropy)

    draw_round.refresh_from_db()
    assert (draw_round.status, draw_round.entropy) == (RoundStatus.OPEN, "")


def test_it_shows_the_refusal_on_the_page_in_english_too(task: Task, alice: User) -> None:
    draw_round = draw_round_open(task=task, user=alice)
    client = _client(alice)
    response = client.post(
        reverse("inspections:round_start", args=[draw_round.pk]),
        {"entropy": "$(reboot)"},
        follow=True,
        headers={"Accept-Language": "en"},
    )
    assert "may contain only letters, digits, spaces" in response.content.decode()


def test_it_accepts_lottery_numbers_and_quotes_every_value_of_the_public_command(task: Task, alice: User) -> None:
    draw_round = draw_round_open(task=task, user=alice)
    draw_round_start(draw_round=draw_round, user=alice, entropy="2026-11-23 体彩 #5 8/1")
    done = draw_round_run(round_id=draw_round.pk)

    command = verify_command(done).splitlines()[-1]

    args = shlex.split(command)
    assert "--entropy=2026-11-23 体彩 #5 8/1" in args
    assert f"--seed={done.seed}" in args


def test_it_keeps_the_round_queued_while_the_broker_is_down_and_enqueues_it_when_back(
    task: Task, alice: User, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    draw_round = draw_round_open(task=task, user=alice)
    original = run_draw.delay

    def broker_down(*args: object, **kwargs: object) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_draw, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(alice).post(
            reverse("inspections:round_start", args=[draw_round.pk]), {"entropy": "42"}, follow=True
        )

    assert response.status_code == 200
    html = response.content.decode()
    assert "任务队列暂时无法连接" in html and 'data-status="queued"' in html
    draw_round.refresh_from_db()
    assert draw_round.status == RoundStatus.QUEUED and draw_round.enqueued_at is None

    # The broker is back: the beat's next run enqueues the round at once (not after the 10-minute limit).
    monkeypatch.setattr(run_draw, "delay", original)
    with django_capture_on_commit_callbacks(execute=True):
        assert draw_rounds_requeue_stuck() == [draw_round.pk]
    draw_round.refresh_from_db()
    assert draw_round.status == RoundStatus.DONE and draw_round.enqueued_at is not None
    assert verify_round(draw_round).ok
    assert draw_rounds_requeue_stuck() == []


def test_the_projector_shows_totals_only_to_everyone(task: Task, alice: User, bob: User) -> None:
    draw_round = draw_round_open(task=task, user=alice)
    draw_round_start(draw_round=draw_round, user=alice, entropy="7")
    done = draw_round_run(round_id=draw_round.pk)
    task.cooperating.add(bob.department)  # type: ignore[arg-type]
    per_tier = [f"{n} / {done.population_per_tier[t]}" for t, n in done.counts.items()]

    for user in (alice, bob):
        client = _client(user)
        for url in (
            reverse("inspections:round_witness", args=[done.pk]),
            reverse("inspections:round_status", args=[done.pk]) + "?witness=1",
        ):
            html = client.get(url).content.decode()
            assert f"{done.drawn_count} / {done.population_size}" in html
            assert not any(f"<td>{c}</td>" in html for c in per_tier), (user, url)
            assert "A 低风险" not in html and "D 高风险" not in html
    # The round page keeps them for the department that plans the draw.
    assert "D 高风险" in _client(alice).get(reverse("inspections:round_detail", args=[done.pk])).content.decode()


def test_the_public_page_of_an_untiered_draw_shows_tickets_and_the_full_recompute(alice: User, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.inspections.draw_fixtures import make_officers, make_targets, make_task

    assert alice.department is not None
    make_targets(30, alice.department)
    make_officers(4, alice.department)
    task = make_task(alice.department, uses_tiers=False)
    draw_round = draw_round_open(task=task, user=alice)
    draw_round_start(draw_round=draw_round, user=alice, entropy="9")
    done = draw_round_run(round_id=draw_round.pk)
    Visit.objects.update(status=VisitStatus.DONE, visited_on=dt.date.today())

    html = Client().get(reverse("publicity:draw_detail", args=[done.pk])).content.decode()

    ticket = done.drawn.order_by("ticket").first().ticket  # type: ignore[union-attr]
    assert ticket in html and "--count=-=" in html and "--salts" not in html
    assert done.salts_commitment not in html  # an untiered draw has no salts in its seed
    assert DrawRound.objects.get(pk=done.pk).uses_tiers is False
    # The page's command, pasted into a shell, recomputes the whole draw.
    from tests.inspections.test_draw_secrecy import _run_command

    for which, name in (("population", "population.txt.gz"), ("drawn", "drawn.txt")):
        response = Client().get(reverse("publicity:draw_file", args=[done.pk, which]))
        (tmp_path / f"draw-{done.pk}-{name}").write_bytes(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    result = _run_command(verify_command(done), tmp_path)
    assert result.returncode == 0 and "OK" in result.stdout, result.stdout + result.stderr


def test_the_public_command_quotes_an_entropy_stored_before_the_alphabet_was_enforced() -> None:
    """A round drawn before the check may hold any entropy: pasted, it stays one argument."""
    hostile = "1'; touch /tmp/pwned; echo '$(id)`id`"
    draw_round = DrawRound(pk=7, task_id=3, round_no=1, entropy=hostile, commitment="c" * 64, secret="s" * 64)

    command = verify_command(draw_round).splitlines()[-1]

    assert f"--entropy={hostile}" in shlex.split(command)
    assert all(";" not in arg or arg.startswith("--entropy=") for arg in shlex.split(command))
