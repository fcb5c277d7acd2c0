"""Once entered, never silently changed: corrections go through the unit's principal leader."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from inspections.models import Correction, CorrectionStatus, FollowUp, Result
from inspections.selectors import visit_results
from inspections.services.results import correction_decide, correction_request, current_result, result_submit
from registries.models import Notification, Role, User
from tests.factories import UserFactory
from tests.inspections.results.conftest import World, entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(world: World, ivan: User) -> Result:
    return result_submit(visit=world.visits[0], user=ivan, data=entry(world))


def _proposal(world: World) -> dict[str, object]:
    return entry(world, {1: ["0204"]}, findings="复核发现库存台账与实物不符")


def test_it_writes_an_approved_correction_as_a_new_version_and_keeps_the_original(
    world: World, ivan: User, leo: User, submitted: Result
) -> None:
    correction = correction_request(result=submitted, user=ivan, reason="录入时漏记库存问题", proposed=_proposal(world))
    assert Notification.objects.filter(user=leo, key=f"correction:{correction.pk}").exists()

    decided = correction_decide(correction=correction, user=leo, approve=True, note="同意更正")

    assert decided.status == CorrectionStatus.APPROVED
    versions = list(visit_results(world.visits[0]))
    assert [r.version for r in versions] == [2, 1]
    new, original = versions
    assert (new.problem_found, new.approved_by, new.correction_reason) == (True, leo, "录入时漏记库存问题")
    assert not original.problem_found and original.findings == ""
    assert current_result(world.visits[0]) == new
    assert FollowUp.objects.filter(visit=world.visits[0], item_result__result=new).count() == 1
    # The entry's timeliness is the first submission's.
    assert (new.deadline, new.entered_late) == (original.deadline, original.entered_late)


def test_it_changes_nothing_when_the_leader_rejects(world: World, ivan: User, leo: User, submitted: Result) -> None:
    correction = correction_request(result=submitted, user=ivan, reason="录入时漏记库存问题", proposed=_proposal(world))

    with pytest.raises(ValidationError, match="审批意见"):
        correction_decide(correction=correction, user=leo, approve=False)
    correction_decide(correction=correction, user=leo, approve=False, note="现场记录不支持更正")

    assert Result.objects.filter(visit=world.visits[0]).count() == 1
    assert Correction.objects.get().status == CorrectionStatus.REJECTED
    with pytest.raises(ValidationError, match="已审批"):
        correction_decide(correction=correction, user=leo, approve=True)


def test_it_lets_only_the_leader_of_the_requesters_unit_decide(
    world: World, ivan: User, alice: User, drc, submitted: Result
) -> None:  # type: ignore[no-untyped-def]
    other_leader = UserFactory(username="lin", role=Role.LEADER, department=drc)
    correction = correction_request(result=submitted, user=ivan, reason="录入时漏记库存问题", proposed=_proposal(world))

    for user in (other_leader, alice, ivan):
        with pytest.raises(PermissionDenied):
            correction_decide(correction=correction, user=user, approve=True)
    assert Correction.objects.get().is_pending


def test_it_needs_a_reason_a_valid_proposal_and_one_request_at_a_time(
    world: World, ivan: User, submitted: Result
) -> None:
    with pytest.raises(ValidationError, match="更正理由"):
        correction_request(result=submitted, user=ivan, reason="  ", proposed=_proposal(world))
    with pytest.raises(ValidationError, match="不能更改"):
        correction_request(
            result=submitted, user=ivan, reason="日期有误", proposed={**_proposal(world), "completed_on": "2026-05-13"}
        )
    correction_request(result=submitted, user=ivan, reason="录入时漏记库存问题", proposed=_proposal(world))
    with pytest.raises(ValidationError, match="待审批"):
        correction_request(result=submitted, user=ivan, reason="再次申请", proposed=_proposal(world))


def test_it_refuses_a_correction_from_outside_the_team(world: World, alice: User, submitted: Result) -> None:
    with pytest.raises(PermissionDenied):
        correction_request(result=submitted, user=alice, reason="代为更正", proposed=_proposal(world))


def test_it_closes_the_ledger_entry_of_a_finding_the_correction_withdraws(world: World, ivan: User, leo: User) -> None:
    result = result_submit(visit=world.visits[0], user=ivan, data=entry(world, {1: ["07"]}, findings="库存不符"))
    ledger = FollowUp.objects.get(visit=world.visits[0])
    correction = correction_request(result=result, user=ivan, reason="复核后库存相符", proposed=entry(world))

    correction_decide(correction=correction, user=leo, approve=True, note="同意")

    ledger.refresh_from_db()
    assert (ledger.status, ledger.outcome) == ("closed", "经批准更正，不再认定发现问题")
    assert ledger.steps.get().recorded_by == leo


def test_it_corrects_what_was_answered_even_after_the_task_gained_an_item(
    world: World, ivan: User, leo: User, submitted: Result
) -> None:
    from tests.factories import ChecklistItemVersionFactory

    world.task.items.add(ChecklistItemVersionFactory(item__code="SJ-LS-009", name="粮食质量安全检查").item)
    correction = correction_request(result=submitted, user=ivan, reason="录入时漏记库存问题", proposed=_proposal(world))

    correction_decide(correction=correction, user=leo, approve=True, note="同意")

    new = current_result(world.visits[0])
    assert new is not None and new.version == 2
    assert sorted(i.item_id for i in new.items.all()) == sorted(i.pk for i in world.items)
