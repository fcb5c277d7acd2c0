"""Named users per role and department, one of them with no access (healthchecks style)."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from registries.models import Department, Role, User
from tests.celery_worker import broker_is_real, celery_worker, celery_worker_process  # noqa: F401 (fixtures)
from tests.factories import DepartmentFactory, RegionFactory, UserFactory

IN_CI = os.environ.get("CI") == "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL-only tests skip on the embedded SQLite default, but never in CI."""
    on_postgres = "postgres" in os.environ.get("DATABASE_URL", "")
    for item in items:
        # Markers, not keywords: a parametrize id such as "postgres" is a keyword too.
        if item.get_closest_marker("postgres") and not on_postgres:
            if IN_CI:
                # An xfail that does not run would pass silently; CI fails instead.
                raise pytest.UsageError(f"CI must run on PostgreSQL (set DATABASE_URL): {item.nodeid}")
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))
        if item.get_closest_marker("celery_worker"):
            if "celery_worker" not in getattr(item, "fixturenames", ()):
                raise pytest.UsageError(f"{item.nodeid} is marked celery_worker but does not use that fixture")
            # In CI the fixture fails instead: the real worker must run there.
            if not broker_is_real() and not IN_CI:
                item.add_marker(pytest.mark.skip(reason="needs a real broker (set CELERY_BROKER_URL=redis://...)"))


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def region(db):  # type: ignore[no-untyped-def]
    return RegionFactory()


@pytest.fixture
def amr(db, region) -> Department:  # type: ignore[no-untyped-def]
    """县市场监督管理局."""
    return DepartmentFactory(name="阳城县市场监督管理局", short_name="县市场监管局", region=region)


@pytest.fixture
def drc(db, region) -> Department:  # type: ignore[no-untyped-def]
    """县发展和改革局."""
    return DepartmentFactory(name="阳城县发展和改革局", short_name="县发改局", region=region)


@pytest.fixture
def alice(amr) -> User:  # type: ignore[no-untyped-def]
    """Bureau staff of the market regulation bureau."""
    return UserFactory(username="alice", full_name="王丽", role=Role.STAFF, department=amr)


@pytest.fixture
def bob(drc) -> User:  # type: ignore[no-untyped-def]
    """Bureau staff of another department: no access to alice's data."""
    return UserFactory(username="bob", full_name="李强", role=Role.STAFF, department=drc)


@pytest.fixture
def olivia(db, region) -> User:  # type: ignore[no-untyped-def]
    """Leading-group office: reads every department."""
    office = DepartmentFactory(name="阳城县双随机工作领导小组办公室", is_leading_group_office=True, region=region)
    return UserFactory(username="olivia", full_name="赵敏", role=Role.OFFICE, department=office)


@pytest.fixture
def ivan(amr) -> User:  # type: ignore[no-untyped-def]
    """An inspector of the market regulation bureau."""
    return UserFactory(username="ivan", full_name="张军", role=Role.INSPECTOR, department=amr)
