"""后续处理: every finding is a ledger entry tracked to closure, each step dated and signed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from inspections.models import FollowUp, FollowUpStatus, StepKind
from inspections.services.followups import follow_up_step_add
from inspections.services.results import result_submit
from registries.models import User
from tests.inspections.results.conftest import World, entry

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def ledger(world: World, ivan: User) -> FollowUp:
    data = entry(world, {0: ["07"]}, findings="粮食收购台账不全")
    result_submit(visit=world.visits[0], user=ivan, data=data)
    return FollowUp.objects.get()


def test_it_tracks_an_order_to_rectify_until_it_is_closed(ledger: FollowUp, alice: User) -> None:
    follow_up_step_add(
        follow_up=ledger,
        user=alice,
        kind=StepKind.RECTIFY,
        done_on=D(2026, 5, 14),
        due_on=D(2026, 5, 19),
        note="责令于5月19日前补齐收购台账",
    )
    ledger.refresh_from_db()
    assert ledger.due_on == D(2026, 5, 19)
    assert ledger.is_overdue(D(2026, 5, 20))

    follow_up_step_add(follow_up=ledger, user=alice, kind=StepKind.RECTIFIED, done_on=D(2026, 5, 20))
    follow_up_step_add(
        follow_up=ledger, user=alice, kind=StepKind.CLOSE, done_on=D(2026, 5, 20), note="经复查已整改，张某某签字确认"
    )

    ledger.refresh_from_db()
    assert ledger.status == FollowUpStatus.CLOSED
    assert not ledger.is_overdue(D(2026, 5, 20))
    # The outcome is public: the kinds of step, never the notes (they may name people).
    assert ledger.outcome == "责令限期整改、已整改到位，已办结"
    assert [(s.kind, s.recorded_by) for s in ledger.steps.all()] == [
        ("rectify", alice),
        ("rectified", alice),
        ("close", alice),
    ]
    with pytest.raises(ValidationError, match="已办结"):
        follow_up_step_add(follow_up=ledger, user=alice, kind=StepKind.NOTE, done_on=D(2026, 5, 20), note="补充")


def test_it_asks_for_what_each_kind_of_step_needs(ledger: FollowUp, alice: User) -> None:
    with pytest.raises(ValidationError, match="办理期限"):
        follow_up_step_add(follow_up=ledger, user=alice, kind=StepKind.RECTIFY, done_on=D(2026, 5, 14))
    with pytest.raises(ValidationError, match="接收机关"):
        follow_up_step_add(follow_up=ledger, user=alice, kind=StepKind.JUDICIARY, done_on=D(2026, 5, 14))
    with pytest.raises(ValidationError, match="处理结果"):
        follow_up_step_add(follow_up=ledger, user=alice, kind=StepKind.CLOSE, done_on=D(2026, 5, 14))
    with pytest.raises(ValidationError, match="晚于今天"):
        follow_up_step_add(
            follow_up=ledger, user=alice, kind=StepKind.CASE, done_on=D(2026, 5, 21), due_on=D(2026, 6, 30)
        )
    assert not ledger.steps.exists()


def test_it_records_a_transfer_to_the_judiciary_with_the_receiving_body(ledger: FollowUp, alice: User) -> None:
    step = follow_up_step_add(
        follow_up=ledger, user=alice, kind=StepKind.JUDICIARY, done_on=D(2026, 5, 15), to_body="阳城县公安局"
    )
    ledger.refresh_from_db()
    assert (step.to_body, ledger.due_on, ledger.status) == ("阳城县公安局", None, FollowUpStatus.OPEN)


def test_it_lets_only_the_responsible_departments_staff_record_steps(
    ledger: FollowUp, bob: User, ivan: User, olivia: User
) -> None:
    for user in (bob, ivan, olivia):
        with pytest.raises(PermissionDenied):
            follow_up_step_add(follow_up=ledger, user=user, kind=StepKind.NOTE, done_on=D(2026, 5, 15), note="跟进")


def test_it_shows_the_finding_on_the_targets_tier_page(ledger: FollowUp, alice: User, client) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    client.force_login(alice)
    page = client.get(reverse("credit_risk:target_tier", args=[ledger.target_id])).content.decode()

    assert "双随机抽查发现问题" in page
    assert "2026-05-12" in page and ledger.task.name in page
