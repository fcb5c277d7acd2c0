"""Inspection windows enforced: a draw outside its task's window needs an audited reason; visits
whose window passed without a visit are flagged 检查期已过 wherever they are listed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inspections.errors import InspectionError
from inspections.models import DrawRound, RoundStatus, Visit
from inspections.services.draws import draw_round_open, draw_round_run, draw_round_start
from plans.models import Task
from registries.models import AuditEvent, User
from tests.inspections.draw_fixtures import YEAR, make_officers, make_targets, make_task

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")
WINDOW = f"{YEAR}-06-01..{YEAR}-11-30"


@pytest.fixture(autouse=True)
def _media(_draw_media) -> None:  # type: ignore[no-untyped-def]
    pass


def on(time_machine, month: int, day: int) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(dt.datetime(YEAR, month, day, 10, tzinfo=CST), tick=False)


@pytest.fixture
def june_to_november(alice: User) -> Task:
    """A grain task whose window is June to November, over six enterprises with four officers."""
    assert alice.department is not None
    make_targets(6, alice.department, tiers="-")
    make_officers(4, alice.department)
    return make_task(alice.department, uses_tiers=False, percent="100", start_month=6, end_month=11)


def _outside_window_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="inspections.draw_outside_window").order_by("seq"))


@pytest.mark.parametrize(("month", "day", "words"), [(12, 4, "检查期已结束"), (5, 20, "检查期尚未开始")])
def test_it_refuses_to_open_a_draw_outside_the_window_without_a_reason(
    june_to_november: Task,
    alice: User,
    time_machine,
    month: int,
    day: int,
    words: str,  # type: ignore[no-untyped-def]
) -> None:
    on(time_machine, month, day)

    with pytest.raises(InspectionError) as refused:
        draw_round_open(task=june_to_november, user=alice, out_of_window_reason="  ")

    assert f"检查期为 {YEAR}-06-01 至 {YEAR}-11-30" in str(refused.value)
    assert words in str(refused.value)
    assert not DrawRound.objects.exists()
    assert not _outside_window_events()


def test_it_opens_and_starts_a_late_draw_with_a_reason_stored_and_audited(
    june_to_november: Task,
    alice: User,
    time_machine,  # type: ignore[no-untyped-def]
) -> None:
    on(time_machine, 12, 4)
    reason = "11月因汛期停检，经局务会研究顺延至12月上旬抽取"

    draw_round = draw_round_open(task=june_to_november, user=alice, out_of_window_reason=reason)
    draw_round_start(draw_round=draw_round, user=alice)  # the reason given on opening suffices

    draw_round.refresh_from_db()
    assert (draw_round.status, draw_round.out_of_window_reason) == (RoundStatus.QUEUED, reason)
    events = _outside_window_events()
    assert [e.detail["step"] for e in events] == ["open", "start"]
    assert events[0].actor == alice
    assert events[0].object_id == str(draw_round.pk)
    assert events[0].detail["window"] == WINDOW
    assert events[0].detail["today"] == f"{YEAR}-12-04"
    assert events[0].detail["reason"] == reason


def test_it_refuses_to_start_after_the_window_a_round_opened_inside_it_until_a_reason_is_given(
    june_to_november: Task,
    alice: User,
    time_machine,  # type: ignore[no-untyped-def]
) -> None:
    on(time_machine, 11, 30)
    draw_round = draw_round_open(task=june_to_november, user=alice)
    assert draw_round.out_of_window_reason == ""
    on(time_machine, 12, 1)

    with pytest.raises(InspectionError, match="检查期已结束"):
        draw_round_start(draw_round=draw_round, user=alice, entropy="12 07 19")
    draw_round.refresh_from_db()
    assert (draw_round.status, draw_round.entropy) == (RoundStatus.OPEN, "")

    draw_round_start(draw_round=draw_round, user=alice, entropy="12 07 19", out_of_window_reason="系统故障延误")
    draw_round.refresh_from_db()
    assert (draw_round.status, draw_round.out_of_window_reason) == (RoundStatus.QUEUED, "系统故障延误")
    [event] = _outside_window_events()
    assert event.detail == {"step": "start", "window": WINDOW, "today": f"{YEAR}-12-01", "reason": "系统故障延误"}


def test_inside_the_window_no_reason_is_asked_nor_audited(
    june_to_november: Task,
    alice: User,
    time_machine,  # type: ignore[no-untyped-def]
) -> None:
    on(time_machine, 6, 1)
    draw_round = draw_round_open(task=june_to_november, user=alice)
    draw_round_start(draw_round=draw_round, user=alice)

    assert DrawRound.objects.get().status == RoundStatus.QUEUED
    assert not _outside_window_events()
    page = _client(alice).get(reverse("inspections:task_draws", args=[june_to_november.pk])).content.decode()
    assert 'name="out_of_window_reason"' not in page


def _client(user: User) -> Client:
    user.password_changed_at = timezone.now()  # months may have passed since the user was made
    user.save(update_fields=["password_changed_at"])
    client = Client()
    client.force_login(user)
    return client


def test_the_draw_page_asks_for_the_reason_outside_the_window_and_the_form_passes_it_on(
    june_to_november: Task,
    alice: User,
    time_machine,  # type: ignore[no-untyped-def]
) -> None:
    on(time_machine, 12, 4)
    client = _client(alice)
    url = reverse("inspections:task_draws", args=[june_to_november.pk])
    response = client.get(url)
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    page = response.content.decode()
    assert 'name="out_of_window_reason"' in page
    assert "检查期已结束" in page

    refused = client.post(reverse("inspections:round_open", args=[june_to_november.pk]), follow=True)
    assert "在检查期外抽取必须填写理由" in refused.content.decode()
    assert not DrawRound.objects.exists()

    english = client.post(
        reverse("inspections:round_open", args=[june_to_november.pk]), follow=True, headers={"Accept-Language": "en"}
    )
    assert "inspection window" in english.content.decode()

    client.post(reverse("inspections:round_open", args=[june_to_november.pk]), {"out_of_window_reason": "补抽"})
    assert DrawRound.objects.get().out_of_window_reason == "补抽"


def test_a_visit_whose_window_passed_unvisited_is_flagged_in_every_list(
    june_to_november: Task,
    alice: User,
    ivan: User,
    time_machine,  # type: ignore[no-untyped-def]
) -> None:
    officer = make_officers(1, alice.department)[0]  # type: ignore[arg-type]
    officer.user = ivan
    officer.save()
    on(time_machine, 6, 2)
    draw_round = draw_round_open(task=june_to_november, user=alice)
    draw_round_start(draw_round=draw_round, user=alice)
    draw_round = draw_round_run(round_id=draw_round.pk)
    visit = Visit.objects.filter(coverage__drawn__team__inspector=officer).first()
    assert visit is not None, "ivan's officer is on some team"

    on(time_machine, 11, 30)  # the window's last day: not yet passed
    assert not visit.window_missed
    assert visit.status_label == "待检查"

    on(time_machine, 12, 4)
    assert visit.window_missed
    assert (visit.status_label, visit.status_badge) == ("检查期已过", "bad")
    mine = _client(ivan).get(reverse("inspections:my_visits")).content.decode()
    assert "检查期已过" in mine
    round_page = _client(alice).get(reverse("inspections:round_detail", args=[draw_round.pk])).content.decode()
    assert round_page.count("检查期已过") == Visit.objects.filter(coverage__drawn__round=draw_round).count()
    results_page = _client(alice).get(reverse("inspections:task_results", args=[june_to_november.pk]))
    assert "检查期已过" in results_page.content.decode()


def test_a_visited_visit_is_not_flagged_after_its_window(
    june_to_november: Task,
    alice: User,
    ivan: User,
    time_machine,  # type: ignore[no-untyped-def]
) -> None:
    from inspections.services.results import visit_complete

    officer = make_officers(1, alice.department)[0]  # type: ignore[arg-type]
    officer.user = ivan
    officer.save()
    on(time_machine, 6, 2)
    draw_round = draw_round_open(task=june_to_november, user=alice)
    draw_round_start(draw_round=draw_round, user=alice)
    draw_round_run(round_id=draw_round.pk)
    visit = Visit.objects.filter(coverage__drawn__team__inspector=officer).first()
    assert visit is not None
    on(time_machine, 11, 20)
    visit = visit_complete(visit=visit, user=ivan, visited_on=dt.date(YEAR, 11, 20))

    on(time_machine, 12, 4)
    assert not visit.window_missed
    assert visit.status_label == "已检查，待录入"
