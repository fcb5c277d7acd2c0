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

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


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
