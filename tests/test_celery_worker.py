"""The tests marked `celery_worker` run their tasks in a real worker on the test database."""

from __future__ import annotations

import pytest
from celery import Celery
from django.db import connection

from config.celery_app import ping_database
from tests.factories import UserFactory


@pytest.mark.celery_worker
def test_it_runs_a_task_in_the_worker_against_the_test_database(celery_worker: Celery) -> None:
    UserFactory(username="celery-probe", full_name="测试")

    result = ping_database.delay("celery-probe")

    assert not result.__class__.__name__.startswith("Eager")
    assert result.get(timeout=30) == {
        "database": connection.settings_dict["NAME"],
        "user_exists": True,
    }


@pytest.mark.celery_worker
def test_it_does_not_see_rows_that_are_not_committed(celery_worker: Celery) -> None:
    assert ping_database.delay("nobody-by-that-name").get(timeout=30)["user_exists"] is False
