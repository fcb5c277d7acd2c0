"""A real Celery worker for the tests marked `celery_worker`.

The worker is a subprocess (`celery -A config worker --pool=solo`) with the test settings,
eager mode off, and DATABASE_URL pointing at pytest-django's TEST database, so tasks it runs
see the rows a `transactional_db` test has committed. It consumes a queue of its own, so two
test sessions sharing one Redis never run each other's tasks. Started once per session, on
first use; stopped at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from celery import Celery
from django.db import connection
from pytest_django import DjangoDbBlocker

from config.celery_app import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"
START_TIMEOUT = 60


def broker_is_real() -> bool:
    return os.environ.get("CELERY_BROKER_URL", "").startswith(("redis://", "rediss://"))


def _unavailable(reason: str) -> None:
    """Skip locally; in CI a missing worker is a failure, never a silent skip."""
    if IN_CI:
        pytest.fail(f"CI must run the celery_worker tests: {reason}")
    pytest.skip(reason)


def _test_database_url() -> str:
    """DATABASE_URL with the database name replaced by pytest-django's test database."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + quote(connection.settings_dict["NAME"])))


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """Start the worker subprocess against the test database; yields its queue name."""
    if not broker_is_real():
        _unavailable("needs a real broker (set CELERY_BROKER_URL=redis://...)")
    with django_db_blocker.unblock():
        database_url = _test_database_url()

    queue = f"test-{uuid.uuid4().hex[:12]}"
    hostname = f"{queue}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_CONN_MAX_AGE": "0",
    }
    log_path = ROOT / "test-results" / f"celery-worker-{queue}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                f"--queues={queue}",
                f"--hostname={hostname}",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_it_answers(celery_app, worker, hostname, log_path)
        yield queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _wait_until_it_answers(app: Celery, worker: subprocess.Popen[bytes], hostname: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"the Celery worker exited with {worker.returncode}:\n{log_path.read_text()[-4000:]}")
        if app.control.ping(destination=[hostname], timeout=1.0):
            return
    worker.kill()
    pytest.fail(f"the Celery worker did not answer a ping in {START_TIMEOUT}s:\n{log_path.read_text()[-4000:]}")


@pytest.fixture
def celery_worker(celery_worker_process: str, transactional_db: None) -> Iterator[Celery]:
    """Send this test's tasks to the real worker instead of running them eagerly.

    Committed rows only: the worker has its own connection, hence `transactional_db`.
    """
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_default_queue
    conf.task_always_eager = False
    conf.task_default_queue = celery_worker_process
    try:
        yield celery_app
    finally:
        conf.task_always_eager, conf.task_default_queue = saved
