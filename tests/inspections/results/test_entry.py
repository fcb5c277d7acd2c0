"""谁检查、谁录入: only the team enters; a submitted result is locked; the 20-working-day window."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from credit_risk.models import RiskSignal
from inspections.models import Evidence, FollowUp, ItemResult, Result, ResultDraft, VisitStatus
from inspections.selectors import inspector_visit_sections
from inspections.services.results import (
    evidence_add,
    evidence_remove,
    result_draft_save,
    result_submit,
    visit_complete,
    visit_slots,
)
from registries.models import Notification, Role, User
from tests.factories import InspectorFactory, UserFactory
from tests.inspections.results.builders import jpeg_bytes
from tests.inspections.results.conftest import SHANGHAI, World, category, entry

pytestmark = pytest.mark.django_db
D = dt.date


def test_it_lets_a_team_member_submit_and_locks_the_visit(world: World, ivan: User) -> None:
    visit = world.visits[0]

    result = result_submit(visit=visit, user=ivan, data=entry(world))

    visit.refresh_from_db()
    assert visit.status == VisitStatus.ENTERED
    assert visit.visited_on == D(2026, 5, 12)
    assert (result.version, result.entered_by, result.problem_found) == (1, ivan, False)
    assert ItemResult.objects.filter(result=result).count() == 2
    with pytest.raises(ValidationError, match="不能重复提交"):
        result_submit(visit=visit, user=ivan, data=entry(world))
    with pytest.raises(ValidationError, match="更正申请"):
        result_draft_save(visit=visit, user=ivan, data=entry(world))


def test_it_refuses_anyone_not_on_the_team(world: World, alice: User, amr) -> None:  # type: ignore[no-untyped-def]
    outsider = UserFactory(username="ines", role=Role.INSPECTOR, department=amr)
    InspectorFactory(department=amr, region=amr.region, user=outsider)
    visit = world.visits[0]

    for user in (outsider, alice):
        with pytest.raises(PermissionDenied):
            result_submit(visit=visit, user=user, data=entry(world))
        with pytest.raises(PermissionDenied):
            visit_complete(visit=visit, user=user, visited_on=D(2026, 5, 12))
    assert not Result.objects.exists()


def test_it_counts_twenty_working_days_across_labour_day_with_its_make_up_saturday(world: World, ivan: User) -> None:
    # Completed Tue 4-28. Off 5-1..5-5, Saturday 5-9 worked: the 20th working day is Thu 5-28.
    visit = visit_complete(visit=world.visits[0], user=ivan, visited_on=D(2026, 4, 28))

    assert (visit.entry_deadline, visit.deadline_provisional) == (D(2026, 5, 28), False)
    assert visit.working_days_left(D(2026, 5, 20)) == 6
    result = result_submit(visit=visit, user=ivan, data=entry(world, completed_on="2026-04-28"))
    assert not result.entered_late


def test_it_marks_a_result_entered_after_the_window_as_late(world: World, ivan: User) -> None:
    # Completed Wed 4-1; Qingming Monday 4-6 off: deadline Thu 4-30; entered 5-20.
    visit = visit_complete(visit=world.visits[1], user=ivan, visited_on=D(2026, 4, 1))
    assert visit.entry_deadline == D(2026, 4, 30)
    assert visit.is_entry_overdue(D(2026, 5, 20))

    result = result_submit(visit=visit, user=ivan, data=entry(world, completed_on="2026-04-01"))

    assert result.entered_late
    assert result.deadline == D(2026, 4, 30)


def test_it_keeps_the_completion_date_once_the_visit_was_marked_done(world: World, ivan: User) -> None:
    visit = visit_complete(visit=world.visits[0], user=ivan, visited_on=D(2026, 5, 11))

    with pytest.raises(ValidationError, match="不能更改"):
        result_submit(visit=visit, user=ivan, data=entry(world, completed_on="2026-05-12"))


def test_it_reports_every_problem_of_an_incomplete_entry_and_writes_nothing(world: World, ivan: User) -> None:
    data = entry(world, {0: ["01", "0201"], 1: []}, completed_on="2026-06-01")

    with pytest.raises(ValidationError) as caught:
        result_submit(visit=world.visits[0], user=ivan, data=data)

    messages = caught.value.messages
    assert "检查完成日期不能晚于今天" in messages
    assert any("不能同时选择其他结果" in m for m in messages)
    assert any("请选择“粮食库存数量和质量检查”的检查结果" in m for m in messages)
    assert any("写明发现的问题" in m for m in messages)
    assert not Result.objects.exists()
    assert world.visits[0].status == VisitStatus.PLANNED


def test_it_refuses_a_group_category_that_has_sub_categories(world: World, ivan: User) -> None:
    with pytest.raises(ValidationError, match="类别无效"):
        result_submit(visit=world.visits[0], user=ivan, data=entry(world, {0: ["02"]}, findings="未公示年报"))


def test_it_saves_drafts_as_the_inspector_types_and_drops_them_on_submit(world: World, ivan: User) -> None:
    visit = world.visits[0]
    partial = {"completed_on": "2026-05-12", "findings": "现场核查库存", "items": {}}

    first = result_draft_save(visit=visit, user=ivan, data=partial)
    second = result_draft_save(visit=visit, user=ivan, data={**partial, "findings": "现场核查库存，账实相符"})

    assert second.pk == first.pk and second.revision == 2
    assert ResultDraft.objects.get(visit=visit).data["findings"] == "现场核查库存，账实相符"
    result_submit(visit=visit, user=ivan, data=entry(world))
    assert not ResultDraft.objects.filter(visit=visit).exists()


def test_it_opens_a_follow_up_per_problem_item_and_flags_the_target(world: World, ivan: User) -> None:
    visit = world.visits[0]
    data = entry(world, {0: ["0201"], 1: ["07"]}, findings="未按规定公示年度报告；库存账实不符，待后续处理")

    result = result_submit(visit=visit, user=ivan, data=data)

    assert result.problem_found
    entries = FollowUp.objects.filter(visit=visit)
    assert entries.count() == 2
    assert {e.department for e in entries} == {world.department}
    signal = RiskSignal.objects.get(target=visit.target)
    assert (signal.source, signal.reference, signal.occurred_on) == (
        "inspection",
        f"result:{result.pk}",
        D(2026, 5, 12),
    )


def test_it_lists_an_inspectors_visits_by_what_needs_doing(world: World, ivan: User) -> None:
    visits = world.visits
    visit_complete(visit=visits[0], user=ivan, visited_on=D(2026, 4, 1))  # entry overdue since 4-30
    visit_complete(visit=visits[1], user=ivan, visited_on=D(2026, 5, 18))  # to enter
    result_submit(visit=visits[2], user=ivan, data=entry(world))  # entered

    sections = inspector_visit_sections(ivan, D(2026, 5, 20))

    assert [c.visit for c in sections["overdue"]] == [visits[0]]
    assert [c.visit for c in sections["to_enter"]] == [visits[1]]
    assert sections["to_enter"][0].days_left == 18
    assert [c.visit for c in sections["today"]] == [visits[3]]
    assert [c.visit for c in sections["entered"]] == [visits[2]]
    assert sections["today"][0].methods == ["实地核查", "书面检查"]
    assert sections["today"][0].items == ["粮食收购资格检查", "粮食库存数量和质量检查"]


def test_it_flags_a_deadline_in_an_unknown_year_and_tells_the_administrators_once(
    world: World, ivan: User, time_machine
) -> None:  # type: ignore[no-untyped-def]
    sysadmin = UserFactory(username="sam", role=Role.SYSTEM_ADMIN, department=None, email="sam@example.invalid")
    time_machine.move_to(dt.datetime(2026, 12, 21, 9, tzinfo=SHANGHAI), tick=False)

    first = visit_complete(visit=world.visits[0], user=ivan, visited_on=D(2026, 12, 18))
    visit_complete(visit=world.visits[1], user=ivan, visited_on=D(2026, 12, 21))

    assert first.deadline_provisional
    notes = Notification.objects.filter(user=sysadmin, kind="calendar_missing")
    assert [n.key for n in notes] == ["calendar-missing:2027"]


def test_it_recomputes_provisional_deadlines_when_the_year_is_entered(world: World, ivan: User, time_machine) -> None:  # type: ignore[no-untyped-def]
    from inspections.services.calendar import calendar_year_enter

    time_machine.move_to(dt.datetime(2026, 12, 21, 9, tzinfo=SHANGHAI), tick=False)
    visit = visit_complete(visit=world.visits[0], user=ivan, visited_on=D(2026, 12, 18))
    assert visit.entry_deadline == D(2027, 1, 15)  # Monday to Friday, 1-1 counted as a working day

    calendar_year_enter(
        year=2027, holidays={D(2027, 1, 1): "元旦"}, makeup_workdays={}, note="国办发明电〔2026〕X号", user=None
    )

    visit.refresh_from_db()
    assert (visit.entry_deadline, visit.deadline_provisional) == (D(2027, 1, 18), False)


def test_it_stores_a_photo_and_attaches_it_to_the_submitted_result(world: World, ivan: User) -> None:
    visit = world.visits[0]
    photo = evidence_add(
        visit=visit, user=ivan, upload=SimpleUploadedFile("现场.jpg", jpeg_bytes(), content_type="image/jpeg")
    )
    assert (photo.kind, photo.content_type) == ("photo", "image/jpeg")

    result = result_submit(visit=visit, user=ivan, data=entry(world))

    photo.refresh_from_db()
    assert photo.result == result
    with pytest.raises(ValidationError, match="不能删除"):
        evidence_remove(evidence=photo, user=ivan)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("照片.jpg", b"<html><script>alert(1)</script></html>"),
        ("report.pdf", b"MZ\x90\x00 not a pdf"),
        ("empty.png", b""),
    ],
)
def test_it_refuses_files_that_are_not_photos_or_pdf(world: World, ivan: User, name: str, content: bytes) -> None:
    with pytest.raises(ValidationError):
        evidence_add(visit=world.visits[0], user=ivan, upload=SimpleUploadedFile(name, content))
    assert not Evidence.objects.exists()


def test_it_refuses_a_file_over_the_size_limit(world: World, ivan: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EVIDENCE_MAX_BYTES = 1000
    with pytest.raises(ValidationError, match="MB"):
        evidence_add(visit=world.visits[0], user=ivan, upload=SimpleUploadedFile("大图.jpg", jpeg_bytes() * 3))


def test_it_offers_every_item_of_every_task_the_visit_serves(world: World) -> None:
    slots = visit_slots(world.visits[0])
    assert [(s.task, s.item, s.label) for s in slots] == [
        (world.task, world.items[0], "粮食收购资格检查"),
        (world.task, world.items[1], "粮食库存数量和质量检查"),
    ]


def test_it_takes_a_task_whose_items_are_only_text_as_one_result_and_publishes_it(
    world: World, ivan: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from publicity.models import PublishedResult

    world.task.items.clear()
    world.task.items_text = "粮食收购资格及收购活动检查"
    world.task.save()
    visit = world.visits[0]
    [slot] = visit_slots(visit)
    assert (slot.item, slot.label) == (None, "粮食收购资格及收购活动检查")
    data = {"completed_on": "2026-05-12", "findings": "收购台账缺失", "items": {slot.key: [category("07").pk]}}

    with django_capture_on_commit_callbacks(execute=True):
        result = result_submit(visit=visit, user=ivan, data=data)

    assert FollowUp.objects.get(visit=visit).item_result.item is None
    published = PublishedResult.objects.get(visit=visit)
    assert published.result == result
    assert published.items == [{"item": "粮食收购资格及收购活动检查", "categories": ["发现问题待后续处理"]}]


def test_it_keeps_the_team_of_a_visit_that_took_place_when_staff_rematch(world: World, ivan: User, alice: User) -> None:
    from inspections.models import TeamMember
    from inspections.services.matching import match_round

    visited = world.visits[0]
    visit_complete(visit=visited, user=ivan, visited_on=D(2026, 5, 12))
    before = set(TeamMember.objects.filter(drawn__coverage__visit=visited).values_list("pk", "inspector_id"))
    planned = set(TeamMember.objects.filter(drawn__coverage__visit=world.visits[1]).values_list("pk", flat=True))

    match_round(draw_round=world.round, user=alice)

    assert set(TeamMember.objects.filter(drawn__coverage__visit=visited).values_list("pk", "inspector_id")) == before
    # The planned visit's team was matched again (new rows).
    assert not planned & set(
        TeamMember.objects.filter(drawn__coverage__visit=world.visits[1]).values_list("pk", flat=True)
    )
    result_submit(visit=visited, user=ivan, data=entry(world))
