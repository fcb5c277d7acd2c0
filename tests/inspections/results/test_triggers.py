"""PostgreSQL refuses any change to a submitted result, whoever sends the statement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction

from inspections.models import Evidence, FollowUp, FollowUpStep, ItemResult, ItemResultCategory, Result, StepKind
from inspections.services.followups import follow_up_step_add
from inspections.services.results import evidence_add, result_submit
from registries.models import User
from tests.inspections.results.builders import jpeg_bytes
from tests.inspections.results.conftest import World, entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(world: World, ivan: User, alice: User) -> Result:
    visit = world.visits[0]
    evidence_add(visit=visit, user=ivan, upload=SimpleUploadedFile("现场.jpg", jpeg_bytes()))
    result = result_submit(visit=visit, user=ivan, data=entry(world, {0: ["07"]}, findings="台账不全"))
    follow_up_step_add(
        follow_up=FollowUp.objects.get(), user=alice, kind=StepKind.NOTE, done_on=dt.date(2026, 5, 15), note="约谈"
    )
    return result


def _refused(sql: str) -> None:
    with (
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


@pytest.mark.parametrize(
    ("model", "assignment"),
    [
        (Result, "findings = 'nothing'"),
        (ItemResult, "problem_found = false"),
        (ItemResultCategory, "category_id = category_id"),
        (Evidence, "original_name = 'x.jpg'"),
        (FollowUpStep, "note = ''"),
    ],
)
def test_it_refuses_update_and_delete_of_what_was_submitted(submitted: Result, model, assignment: str) -> None:  # type: ignore[no-untyped-def]
    table = model._meta.db_table
    _refused(f"UPDATE {table} SET {assignment}")
    _refused(f"DELETE FROM {table}")
    assert model.objects.exists()


def test_it_refuses_the_orm_and_the_admin_alike(submitted: Result) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        Result.objects.filter(pk=submitted.pk).update(problem_found=False)
    with pytest.raises(DatabaseError), transaction.atomic():
        submitted.items.first().category_links.all().delete()  # type: ignore[union-attr]
    submitted.refresh_from_db()
    assert submitted.problem_found


@pytest.fixture
def committed(transactional_db, alice: User, ivan: User, settings, tmp_path, time_machine):  # type: ignore[no-untyped-def]
    """A result submitted and committed by an earlier transaction (the table is seeded again:
    an earlier transactional test may have emptied it)."""
    from tests.e2e.demo_county import ensure_seeded
    from tests.inspections.results.builders import drawn_grain_task

    ensure_seeded()
    task, _round, _officers, items = drawn_grain_task(alice, ivan, targets=1, year=2026, start_month=3, end_month=10)
    world = World(task.initiator, task, _round, _officers, items)  # type: ignore[arg-type]
    result = result_submit(visit=world.visits[0], user=ivan, data=entry(world))
    return world, result


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_add_items_or_categories_to_a_result_submitted_earlier(committed) -> None:  # type: ignore[no-untyped-def]
    from inspections.models import ResultCategory

    world, result = committed
    with pytest.raises(DatabaseError, match="Cannot add to a submitted result"), transaction.atomic():
        ItemResult.objects.create(result=result, task=world.task, item=None, problem_found=True)
    problem = ResultCategory.objects.get(scheme="2024", code="07")
    with pytest.raises(DatabaseError, match="Cannot add to a submitted result"), transaction.atomic():
        ItemResultCategory.objects.create(item_result=result.items.first(), category=problem)
    assert result.items.count() == 2
    assert not ItemResultCategory.objects.filter(category=problem).exists()


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_new_version_that_no_approved_correction_made(committed) -> None:  # type: ignore[no-untyped-def]
    _world, result = committed
    with pytest.raises(DatabaseError, match="without an approved correction"), transaction.atomic():
        Result.objects.create(
            visit=result.visit,
            version=2,
            completed_on=result.completed_on,
            findings="改写",
            problem_found=True,
            deadline=result.deadline,
            entered_by=result.entered_by,
            correction_reason="无",
            approved_by=result.entered_by,
        )
    assert list(Result.objects.filter(visit=result.visit).values_list("version", flat=True)) == [1]


@pytest.mark.django_db(transaction=True)
def test_it_commits_the_version_an_approved_correction_writes(committed, ivan: User, alice: User) -> None:  # type: ignore[no-untyped-def]
    from inspections.services.results import correction_decide, correction_request
    from registries.models import Role
    from tests.factories import UserFactory

    world, result = committed
    leader = UserFactory(username="leo", role=Role.LEADER, department=alice.department)
    correction = correction_request(
        result=result, user=ivan, reason="漏记问题", proposed=entry(world, {1: ["07"]}, findings="库存不符")
    )
    correction_decide(correction=correction, user=leader, approve=True, note="同意")

    assert list(Result.objects.filter(visit=result.visit).order_by("version").values_list("version", flat=True)) == [
        1,
        2,
    ]
