"""Named users per role and department, one of them with no access (healthchecks style)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import import_module

import pytest
from django.apps import apps
from pytest_django import DjangoDbBlocker

from registries.models import Department, Role, User
from tests.celery_worker import broker_is_real, celery_worker, celery_worker_process  # noqa: F401 (fixtures)
from tests.factories import DepartmentFactory, RegionFactory, UserFactory

IN_CI = os.environ.get("CI") == "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of the real Celery worker skip without a real broker, but never in CI."""
    for item in items:
        if item.get_closest_marker("celery_worker"):
            if "celery_worker" not in getattr(item, "fixturenames", ()):
                raise pytest.UsageError(f"{item.nodeid} is marked celery_worker but does not use that fixture")
            # In CI the fixture fails instead: the real worker must run there.
            if not broker_is_real() and not IN_CI:
                item.add_marker(pytest.mark.skip(reason="needs a real broker (set CELERY_BROKER_URL=redis://...)"))


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the site's default language: a request with the English cookie
    (LocaleMiddleware) leaves English active in the thread, and a later test would see it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> None:
    """The rows that migrations seed, again where missing.

    A transactional test (the browser journeys, the real worker) empties every table when it
    ends; with --reuse-db (scripts/test's local default) the next run would start without
    the working-day calendar and the result categories. Both seeds skip what exists.
    """
    from inspections.models import ResultCategory

    with django_db_blocker.unblock():
        import_module("inspections.migrations.0002_seed_calendar").seed(apps, None)
        if not ResultCategory.objects.exists():
            import_module("inspections.migrations.0005_seed_result_categories").seed(apps, None)


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
