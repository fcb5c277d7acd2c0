"""Two rounds from one click (issue 13, item 7): parallel requests opening a round of a task
limited to one draw a year create exactly one round; the database decides, not the code."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from inspections import drawing
from inspections.models import DrawRound
from inspections.services.draws import draw_round_open
from plans.models import Task
from registries.models import User
from tests.inspections.draw_fixtures import make_targets, make_task

pytestmark = pytest.mark.django_db(transaction=True)

PARALLEL = 4


def _interleaved(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Make the race happen every time: every request counts the task's rounds before any creates
    one (a barrier in `new_secret`, called between the check and the insert); then one request
    commits its round before the others go on, so that they see it when they number theirs."""
    barrier = threading.Barrier(PARALLEL, timeout=20)
    first_committed = threading.Event()
    lock = threading.Lock()
    leader: list[int] = []
    original = drawing.new_secret

    def new_secret() -> str:
        barrier.wait()
        with lock:
            is_leader = not leader
            if is_leader:
                leader.append(threading.get_ident())
        if not is_leader:
            first_committed.wait(timeout=20)
        return original()

    monkeypatch.setattr(drawing, "new_secret", new_secret)
    return first_committed.set


def test_parallel_opens_create_exactly_one_round(alice: User, monkeypatch: pytest.MonkeyPatch) -> None:
    assert alice.department is not None
    make_targets(12, alice.department)
    task = make_task(alice.department, times_per_year=1)
    committed = _interleaved(monkeypatch)
    outcomes: list[str] = []

    def open_round() -> None:
        try:
            draw_round_open(task=Task.objects.get(pk=task.pk), user=User.objects.get(pk=alice.pk))
            outcomes.append("created")
            committed()  # draw_round_open's transaction has committed
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
            committed()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_round) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert DrawRound.objects.filter(task=task).count() == 1, list(
        DrawRound.objects.filter(task=task).values_list("round_no", "draw_no", "reason")
    )
    assert outcomes.count("created") == 1
    assert all("刚由他人生成" in o for o in outcomes if o != "created"), outcomes
    connection.close()


def test_the_database_refuses_a_second_first_draw_of_the_year_without_a_reason(alice: User) -> None:
    from django.db import IntegrityError, transaction

    assert alice.department is not None
    task = make_task(alice.department, times_per_year=2)
    draw_round_open(task=task, user=alice)
    with pytest.raises(IntegrityError, match="draw_round_one_per_draw_no"), transaction.atomic():
        DrawRound.objects.create(task=task, round_no=2, draw_no=1, commitment="0" * 64, secret="s", started_by=alice)
    second = draw_round_open(task=task, user=alice)  # the task's second draw of the year is allowed
    assert (second.round_no, second.draw_no) == (2, 2)
