"""One round, one draw, against the real Celery worker, Redis and PostgreSQL.

The draw is held half way deterministically: the test holds the audit chain's advisory
lock, which `draw_round_run` takes after it has written the drawn rows and the round's
result but before it commits. While the worker waits there, the test kills it (or runs a
second draw of the same round), then releases the lock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection, connections

from inspections.models import DrawnTarget, DrawRound, RoundStatus
from inspections.services.draws import draw_round_open, draw_round_run, draw_round_start
from inspections.tasks import run_draw
from inspections.verification import verify_round
from plans.models import Task
from registries.audit import AUDIT_CHAIN_LOCK
from registries.models import AuditEvent, User
from tests.celery_worker import ROOT, _test_database_url, _wait_until_it_answers
from tests.inspections.draw_fixtures import make_officers, make_targets, make_task

pytestmark = pytest.mark.celery_worker
WAIT = 90


def _until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting until {what}")


def _worker_waits_on_the_audit_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return bool(cursor.fetchone()[0])


def _status(round_id: int) -> str:
    return DrawRound.objects.values_list("status", flat=True).get(pk=round_id)


def _hold_audit_lock() -> None:
    # Session-level: this test's own audit rows (same session) still go through.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [AUDIT_CHAIN_LOCK])


def _release_audit_lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [AUDIT_CHAIN_LOCK])


def _assert_one_complete_draw(draw_round: DrawRound) -> None:
    draw_round.refresh_from_db()
    assert draw_round.status == RoundStatus.DONE
    assert DrawRound.objects.filter(task=draw_round.task).count() == 1
    assert DrawnTarget.objects.filter(round=draw_round).count() == draw_round.drawn_count > 0
    assert AuditEvent.objects.filter(action="inspections.draw_run", object_id=str(draw_round.pk)).count() == 1
    verdict = verify_round(draw_round)
    assert verdict.ok, verdict.problems


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """The worker subprocess must write where the test reads."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def drawable(alice: User) -> Task:
    assert alice.department is not None
    make_targets(300, alice.department)
    make_officers(6, alice.department)
    return make_task(alice.department, percent="10")


@pytest.fixture
def prefork_worker(celery_worker: Celery, media: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A worker of this test's own (prefork, one child): killing its child loses a task mid-way."""
    queue = f"test-kill-{uuid.uuid4().hex[:10]}"
    hostname = f"{queue}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _test_database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_CONN_MAX_AGE": "0",
        "DJANGO_MEDIA_ROOT": str(media),
    }
    log_path = ROOT / "test-results" / f"celery-worker-{queue}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1"]
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"]
    command += [f"--queues={queue}", f"--hostname={hostname}"]
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    saved = celery_worker.conf.task_default_queue
    try:
        _wait_until_it_answers(celery_worker, worker, hostname, log_path)
        celery_worker.conf.task_default_queue = queue
        yield worker
    finally:
        celery_worker.conf.task_default_queue = saved
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def test_it_ends_with_one_complete_draw_when_the_worker_dies_half_way(
    prefork_worker: subprocess.Popen[bytes], drawable: Task, alice: User
) -> None:
    draw_round = draw_round_open(task=drawable, user=alice)
    _hold_audit_lock()
    try:
        draw_round_start(draw_round=draw_round, user=alice, entropy="17")  # enqueued on commit
        _until(_worker_waits_on_the_audit_lock, "the worker is half way through the draw")
        (child,) = _children(prefork_worker.pid)
        os.kill(child, signal.SIGKILL)
        # Nothing of the half-done draw is visible: it was one uncommitted transaction.
        assert _status(draw_round.pk) == RoundStatus.QUEUED
        assert not DrawnTarget.objects.filter(round=draw_round).exists()
    finally:
        _release_audit_lock()

    # acks_late + reject_on_worker_lost: the message goes back and a new child draws again.
    _until(lambda: _status(draw_round.pk) == RoundStatus.DONE, "the redelivered draw finished")
    _assert_one_complete_draw(draw_round)


def test_it_gives_one_draw_for_concurrent_runs_of_the_same_round(
    prefork_worker: subprocess.Popen[bytes], drawable: Task, alice: User
) -> None:
    draw_round = draw_round_open(task=drawable, user=alice)
    results: list[str] = []

    def run_here() -> None:
        try:
            results.append(draw_round_run(round_id=draw_round.pk).seed)
        finally:
            connections.close_all()

    _hold_audit_lock()
    try:
        draw_round_start(draw_round=draw_round, user=alice)  # the worker's run
        draw_round_start(draw_round=draw_round, user=alice)  # a second click: not enqueued again
        run_draw.delay(draw_round.pk)  # a duplicated message
        _until(_worker_waits_on_the_audit_lock, "the worker is half way through the draw")
        thread = threading.Thread(target=run_here)  # a concurrent run in another process/connection
        thread.start()
        time.sleep(0.5)
    finally:
        _release_audit_lock()
    thread.join(WAIT)

    _until(lambda: _status(draw_round.pk) == RoundStatus.DONE, "the draw finished")
    time.sleep(1)  # let the duplicated message run too
    draw_round.refresh_from_db()
    assert results == [draw_round.seed]
    _assert_one_complete_draw(draw_round)
