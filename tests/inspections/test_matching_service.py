"""Matching against the registry: joint tasks, conflicts, last team, expertise, rematch without redrawing."""

from __future__ import annotations

import datetime as dt

import pytest

from inspections.models import DrawnTarget, DrawRound, ItemRequirement, TeamMember
from inspections.services.draws import draw_round_open, draw_round_run, draw_round_start
from inspections.services.matching import match_round
from plans.models import Task, TaskType
from registries.models import Expertise, InspectorStatus, ItemClaim, User
from tests.factories import ChecklistItemFactory, ConflictFactory, DepartmentFactory, ExpertFactory
from tests.inspections.draw_fixtures import make_officers, make_targets, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(_draw_media) -> None:  # type: ignore[no-untyped-def]
    pass


def _drawn(task: Task, user: User) -> DrawRound:
    draw_round = draw_round_open(task=task, user=user)
    draw_round_start(draw_round=draw_round, user=user)
    return draw_round_run(round_id=draw_round.pk)


def test_it_gives_every_drawn_target_two_officers(task: Task, alice: User) -> None:
    draw_round = _drawn(task, alice)

    assert draw_round.matching_problems == []
    for drawn in DrawnTarget.objects.filter(round=draw_round):
        assert drawn.team.filter(inspector__isnull=False).count() >= 2


def test_it_puts_an_officer_of_each_cooperating_department_whose_items_apply(alice: User, bob: User) -> None:
    assert alice.department is not None and bob.department is not None
    education = DepartmentFactory(name="阳城县教育局", region=alice.department.region)
    make_targets(20, alice.department, tiers="-")
    make_officers(3, alice.department)
    make_officers(3, bob.department)
    make_officers(3, education)
    item = ChecklistItemFactory()
    ItemClaim.objects.create(item=item, department=alice.department)
    ItemClaim.objects.create(item=item, department=bob.department)
    joint = make_task(alice.department, uses_tiers=False, task_type=TaskType.JOINT)
    joint.items.add(item)
    joint.cooperating.add(bob.department, education)  # education claims none of the items

    draw_round = _drawn(joint, alice)

    assert draw_round.matching_problems == []
    for drawn in DrawnTarget.objects.filter(round=draw_round):
        departments = set(drawn.team.values_list("department_id", flat=True))
        assert departments == {alice.department.pk, bob.department.pk}


def test_it_never_sends_a_conflicted_officer_nor_last_time_team(task: Task, alice: User) -> None:
    draw_round = _drawn(task, alice)
    drawn = DrawnTarget.objects.filter(round=draw_round).first()
    assert drawn is not None
    first_team = set(drawn.team.values_list("inspector_id", flat=True))
    other = TeamMember.objects.exclude(inspector_id__in=first_team).first()
    assert other is not None and other.inspector is not None
    ConflictFactory(inspector=other.inspector, target=drawn.target)
    second_task = make_task(task.initiator, number=2, uses_tiers=False, percent="100")  # type: ignore[arg-type]

    second = _drawn(second_task, alice)

    again = DrawnTarget.objects.get(round=second, target=drawn.target)
    members = set(again.team.values_list("inspector_id", flat=True))
    assert len(members) >= 2
    assert not members & first_team
    assert other.inspector.pk not in members


def test_it_names_the_missing_expertise_and_rematches_after_the_registry_is_fixed(task: Task, alice: User) -> None:
    food = Expertise.objects.create(name="食品")
    item = ChecklistItemFactory()
    ItemRequirement.objects.create(item=item, expertise=food, expert_expertise=food)
    task.items.add(item)

    draw_round = _drawn(task, alice)

    assert not TeamMember.objects.filter(drawn__round=draw_round).exists()
    messages = {p["message"].split("：", 1)[1] for p in draw_round.matching_problems}
    assert messages == {
        "阳城县市场监督管理局在阳城县缺少具有「食品」专业、可参加检查的执法人员 1 名"
        "（已排除回避和上次检查该对象的人员）",
        "专家库缺少「食品」专业的可用专家或专业机构 1 名",
    }
    seed = draw_round.seed
    drawn_before = sorted(DrawnTarget.objects.filter(round=draw_round).values_list("key", flat=True))
    for officer in task.initiator.inspectors.all()[:2]:  # type: ignore[union-attr]
        officer.expertise.add(food)
    expert = ExpertFactory(department=task.initiator, region=task.initiator.region)  # type: ignore[union-attr]
    expert.expertise.add(food)

    result = match_round(draw_round=draw_round, user=alice)

    draw_round.refresh_from_db()
    assert result.shortfalls == [] and draw_round.matching_problems == []
    assert draw_round.seed == seed
    assert sorted(DrawnTarget.objects.filter(round=draw_round).values_list("key", flat=True)) == drawn_before
    for drawn in DrawnTarget.objects.filter(round=draw_round):
        assert drawn.team.filter(inspector__expertise=food).exists()
        assert drawn.team.filter(expert=expert).exists()


def test_it_skips_retired_officers_and_expired_certificates(alice: User) -> None:
    assert alice.department is not None
    make_targets(10, alice.department, tiers="-")
    officers = make_officers(4, alice.department)
    officers[0].status = InspectorStatus.RETIRED
    officers[0].save()
    officers[1].certificate_valid_until = dt.date(dt.date.today().year, 3, 1)
    officers[1].save()
    small = make_task(alice.department, uses_tiers=False, percent="50")

    draw_round = _drawn(small, alice)

    used = set(TeamMember.objects.filter(drawn__round=draw_round).values_list("inspector_id", flat=True))
    assert used == {officers[2].pk, officers[3].pk}


def test_it_refuses_a_rematch_from_another_department(task: Task, alice: User, bob: User) -> None:
    from django.core.exceptions import PermissionDenied

    draw_round = _drawn(task, alice)

    with pytest.raises(PermissionDenied):
        match_round(draw_round=draw_round, user=bob)
