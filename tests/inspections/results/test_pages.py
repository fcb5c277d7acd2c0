"""The pages: the phone form, autosave, evidence behind permission checks, corrections, summaries."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from inspections.models import Correction, Evidence, FollowUp, Result, ResultDraft, VisitStatus
from inspections.services.results import result_submit
from registries.models import Role, User
from tests.factories import InspectorFactory, UserFactory
from tests.inspections.results.builders import jpeg_bytes
from tests.inspections.results.conftest import World, category, entry

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(world: World, codes: dict[int, list[str]] | None = None, **extra: str) -> dict[str, object]:
    data = entry(world, codes)
    form: dict[str, object] = {"completed_on": data["completed_on"], "findings": extra.pop("findings", "")}
    for key, ids in data["items"].items():  # type: ignore[union-attr]
        form[f"cat-{key}"] = [str(i) for i in ids]
    form.update(extra)
    return form


def test_it_shows_the_inspector_the_entry_form_with_every_item(world: World, ivan: User) -> None:
    response = _client(ivan).get(reverse("inspections:visit_detail", args=[world.visits[0].pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "录入检查结果" in page and "粮食收购资格检查" in page and "粮食库存数量和质量检查" in page
    for item in world.items:
        assert f'name="cat-{world.task.pk}-{item.pk}"' in page
    assert "未按规定公示应当公示的信息" in page
    assert "信用风险" not in page


def test_it_autosaves_then_submits_and_locks_the_form(world: World, ivan: User) -> None:
    client = _client(ivan)
    visit = world.visits[0]

    saved = client.post(reverse("inspections:visit_draft", args=[visit.pk]), _form(world), HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "草稿已保存" in saved.content.decode()
    assert ResultDraft.objects.filter(visit=visit).exists()

    submitted = client.post(reverse("inspections:visit_submit", args=[visit.pk]), _form(world), follow=True)

    assert "检查结果已提交并锁定" in submitted.content.decode()
    visit.refresh_from_db()
    assert visit.status == VisitStatus.ENTERED
    page = client.get(reverse("inspections:visit_detail", args=[visit.pk])).content.decode()
    assert 'id="entry-form"' not in page and "申请更正" in page
    again = client.post(reverse("inspections:visit_submit", args=[visit.pk]), _form(world), follow=True)
    assert "不能重复提交" in again.content.decode()
    assert Result.objects.count() == 1


def test_it_keeps_what_was_typed_when_a_submission_is_refused(world: World, ivan: User) -> None:
    client = _client(ivan)
    visit = world.visits[0]
    form = _form(world, {0: ["0201"]}, findings="")

    response = client.post(reverse("inspections:visit_submit", args=[visit.pk]), form, follow=True)

    assert "写明发现的问题" in response.content.decode()
    assert not Result.objects.exists()
    draft = ResultDraft.objects.get(visit=visit)
    assert draft.data["items"][f"{world.task.pk}-{world.items[0].pk}"] == [category("0201").pk]


def test_it_hides_a_visit_from_an_inspector_of_another_team_and_other_departments(world: World, bob: User, amr) -> None:  # type: ignore[no-untyped-def]
    stranger = UserFactory(username="ines", role=Role.INSPECTOR, department=amr)
    InspectorFactory(department=amr, region=amr.region, user=stranger)
    visit = world.visits[0]
    # An inspector of another team: 403, the visit is not theirs to enter.
    inspector = _client(stranger)
    assert inspector.get(reverse("inspections:visit_detail", args=[visit.pk])).status_code == 403
    for name in ("visit_submit", "visit_draft", "visit_done", "evidence_upload", "correction_create"):
        assert inspector.post(reverse(f"inspections:{name}", args=[visit.pk]), _form(world)).status_code == 403
    # Staff of another department do not learn the visit exists.
    staff = _client(bob)
    assert staff.get(reverse("inspections:visit_detail", args=[visit.pk])).status_code == 404
    assert not Result.objects.exists()
    assert not ResultDraft.objects.exists()


def test_it_serves_evidence_only_to_who_may_see_the_visit(world: World, ivan: User, alice: User, bob: User) -> None:
    client = _client(ivan)
    visit = world.visits[0]
    upload = io.BytesIO(jpeg_bytes())
    upload.name = "现场照片.jpg"
    client.post(reverse("inspections:evidence_upload", args=[visit.pk]), {"evidence": [upload]})
    evidence = Evidence.objects.get()

    url = reverse("inspections:evidence_file", args=[evidence.pk])
    mine = client.get(url)
    assert mine.status_code == 200 and mine["Content-Type"] == "image/jpeg"
    assert mine["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "no-store" in mine["Cache-Control"]
    assert b"".join(mine.streaming_content) == jpeg_bytes()  # type: ignore[attr-defined]
    assert _client(alice).get(url).status_code == 200
    assert _client(bob).get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_it_takes_a_correction_through_the_principal_leader(world: World, ivan: User, leo: User) -> None:
    visit = world.visits[0]
    result_submit(visit=visit, user=ivan, data=entry(world))
    form = _form(world, {1: ["0204"]}, findings="漏记库存问题", reason="录入遗漏")

    response = _client(ivan).post(reverse("inspections:correction_create", args=[visit.pk]), form, follow=True)
    assert "待单位主要负责人审批" in response.content.decode()
    correction = Correction.objects.get()

    pending = _client(leo).get(reverse("inspections:correction_list")).content.decode()
    assert visit.target.name in pending
    assert (
        _client(ivan)
        .post(reverse("inspections:correction_detail", args=[correction.pk]), {"decision": "approve"})
        .status_code
        == 403
    )
    _client(leo).post(reverse("inspections:correction_detail", args=[correction.pk]), {"decision": "approve"})

    assert [r.version for r in Result.objects.filter(visit=visit).order_by("version")] == [1, 2]
    page = _client(ivan).get(reverse("inspections:visit_detail", args=[visit.pk])).content.decode()
    assert "第 2 版" in page and "第 1 版" in page and "录入遗漏" in page


def test_it_lists_task_results_and_exports_each_departments_summary(world: World, ivan: User, alice: User) -> None:
    result_submit(visit=world.visits[0], user=ivan, data=entry(world, {0: ["07"]}, findings="台账不全"))
    client = _client(alice)

    page = client.get(reverse("inspections:task_results", args=[world.task.pk])).content.decode()
    assert world.visits[0].target.name in page and "发现问题" in page

    response = client.get(reverse("inspections:task_summary_export", args=[world.task.pk, world.department.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    figures = {r[0]: r[1] for r in book["汇总"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert (figures["抽取对象数"], figures["已录入结果"], figures["发现问题户数"]) == (4, 1, 1)


def test_it_lets_staff_record_a_follow_up_step_from_the_ledger(world: World, ivan: User, alice: User) -> None:
    result_submit(visit=world.visits[0], user=ivan, data=entry(world, {0: ["07"]}, findings="台账不全"))
    entry_ = FollowUp.objects.get()
    client = _client(alice)

    assert world.visits[0].target.name in client.get(reverse("inspections:follow_up_list")).content.decode()
    client.post(
        reverse("inspections:follow_up_detail", args=[entry_.pk]),
        {"kind": "rectify", "done_on": "2026-05-14", "due_on": "2026-05-19", "note": "责令补齐台账"},
    )

    entry_.refresh_from_db()
    assert entry_.due_on == dt.date(2026, 5, 19)
    overdue = client.get(reverse("inspections:follow_up_list") + "?status=open&overdue=1").content.decode()
    assert world.visits[0].target.name in overdue


def test_it_lets_the_system_administrator_enter_next_years_schedule(world: World, ivan: User) -> None:
    from inspections.models import CalendarDay
    from tests.security.conftest import verified_client

    admin = UserFactory(username="sam", role=Role.SYSTEM_ADMIN, department=None)
    client = verified_client(admin)
    page = client.get(reverse("inspections:calendar_years")).content.decode()
    assert "录入年度安排" in page
    assert "2027 年的节假日安排尚未录入" not in page  # in May nobody is warned yet
    assert _client(ivan).get(reverse("inspections:calendar_years")).status_code == 403

    response = client.post(
        reverse("inspections:calendar_years"),
        {
            "year": "2027",
            "holidays": "2027-01-01 元旦\n2027-02-06..2027-02-13 春节",
            "makeup": "2027-02-14 春节调休上班",
            "note": "国务院办公厅关于2027年部分节假日安排的通知",
        },
        follow=True,
    )

    assert "已录入 2027 年节假日安排" in response.content.decode()
    assert CalendarDay.objects.filter(date__year=2027, is_workday=False).count() == 6  # weekdays among them
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 14)).is_workday


def test_it_refuses_an_incomplete_calendar_entry_and_enters_nothing(world: World) -> None:
    from inspections.models import CalendarYear
    from tests.security.conftest import verified_client

    client = verified_client(UserFactory(username="sam", role=Role.SYSTEM_ADMIN, department=None))
    for form, message in (
        ({"year": "2027", "holidays": "", "makeup": "", "note": "通知"}, "请填写放假日期"),
        ({"year": "2027", "holidays": "2027-01-01 元旦", "makeup": "", "note": " "}, "请填写依据"),
        ({"year": "2035", "holidays": "2035-01-01 元旦", "makeup": "", "note": "通知"}, "年份应在"),
        ({"year": "2027", "holidays": "2027-13-01 元旦", "makeup": "", "note": "通知"}, "第 1 行"),
    ):
        response = client.post(reverse("inspections:calendar_years"), form, follow=True)
        assert message in response.content.decode()
    assert not CalendarYear.objects.filter(year__in=[2027, 2035]).exists()


def test_it_narrows_a_tasks_visits_to_those_awaiting_or_past_their_entry_deadline(
    world: World, ivan: User, alice: User
) -> None:
    from inspections.services.results import visit_complete

    overdue, waiting = world.visits[0], world.visits[1]
    visit_complete(visit=overdue, user=ivan, visited_on=dt.date(2026, 4, 1))  # deadline 4-30
    visit_complete(visit=waiting, user=ivan, visited_on=dt.date(2026, 5, 18))
    client = _client(alice)
    url = reverse("inspections:task_results", args=[world.task.pk])

    pending = client.get(url, {"show": "pending"}).content.decode()
    late = client.get(url, {"show": "overdue"}).content.decode()

    assert overdue.target.name in pending and waiting.target.name in pending
    assert world.visits[2].target.name not in pending
    assert overdue.target.name in late and waiting.target.name not in late


@pytest.mark.parametrize(
    ("decision", "word", "message"), [("approve", "批准", "已批准更正"), ("reject", "驳回", "已驳回更正")]
)
def test_a_decided_correction_says_whether_it_was_approved_or_rejected(
    world: World, ivan: User, leo: User, decision: str, word: str, message: str
) -> None:
    visit = world.visits[0]
    result_submit(visit=visit, user=ivan, data=entry(world))
    form = _form(world, {1: ["0204"]}, findings="漏记库存问题", reason="录入遗漏")
    _client(ivan).post(reverse("inspections:correction_create", args=[visit.pk]), form)
    correction = Correction.objects.get()
    leader = _client(leo)
    url = reverse("inspections:correction_detail", args=[correction.pk])
    decided = leader.post(url, {"decision": decision, "note": "核实无误"}, follow=True).content.decode()
    assert message in decided
    badge = f'">{word}</span> {leo}'
    assert badge in decided
    assert badge in leader.get(reverse("inspections:correction_list") + "?status=").content.decode()
    assert badge in _client(ivan).get(reverse("inspections:visit_detail", args=[visit.pk])).content.decode()
