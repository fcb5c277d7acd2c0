"""The inspections' POSTs go through forms: typed values, translated errors, no control characters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from inspections.forms import CalendarYearForm, FollowUpStepForm, ResultEntryForm
from inspections.models import CalendarYear, Result, ResultDraft
from registries.models import Role, User
from tests.factories import UserFactory
from tests.inspections.results.conftest import World, category, entry

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(world: World, codes: dict[int, list[str]] | None = None, **extra: str) -> dict[str, object]:
    data = entry(world, codes)
    form: dict[str, object] = {"completed_on": data["completed_on"], **extra}
    for key, ids in data["items"].items():  # type: ignore[union-attr]
        form[f"cat-{key}"] = [str(i) for i in ids]
    return form


def test_the_entry_form_converts_dates_and_category_ids(world: World) -> None:
    form = ResultEntryForm(_post(world, {0: ["0201"]}, findings="库存不符"))

    assert form.is_valid(), form.errors
    entry_ = form.entry()
    assert entry_.completed_on == dt.date(2026, 5, 12)
    assert entry_.items[f"{world.task.pk}-{world.items[0].pk}"] == [category("0201").pk]


def test_the_entry_form_refuses_a_category_that_is_not_a_number(world: World) -> None:
    form = ResultEntryForm({**_post(world), f"cat-{world.task.pk}-{world.items[0].pk}": ["01", "x"]})

    assert not form.is_valid()
    assert "检查结果类别无效" in str(form.errors)


def test_a_finding_with_a_bell_and_a_nul_is_stored_without_them(world: World, ivan: User) -> None:
    client = _client(ivan)
    visit = world.visits[0]
    findings = "库存\x07账实不符\x00，已责令整改\r\n见附件\t第2页"

    saved = client.post(
        reverse("inspections:visit_draft", args=[visit.pk]),
        _post(world, {0: ["0201"]}, findings=findings),
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    assert ResultDraft.objects.get(visit=visit).data["findings"] == "库存账实不符，已责令整改\r\n见附件\t第2页"

    client.post(reverse("inspections:visit_submit", args=[visit.pk]), _post(world, {0: ["0201"]}, findings=findings))

    assert Result.objects.get(visit=visit).findings == "库存账实不符，已责令整改\r\n见附件\t第2页"


def test_a_refused_draft_says_why_and_saves_nothing(world: World, ivan: User) -> None:
    response = _client(ivan).post(
        reverse("inspections:visit_draft", args=[world.visits[0].pk]),
        _post(world, completed_on="2026-02-30"),
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 409
    assert "检查完成日期应为 年-月-日" in response.content.decode()
    assert not ResultDraft.objects.exists()


def test_a_calendar_note_with_control_characters_is_stored_clean(world: World) -> None:
    from tests.security.conftest import verified_client

    client = verified_client(UserFactory(username="sam", role=Role.SYSTEM_ADMIN, department=None))
    client.post(
        reverse("inspections:calendar_years"),
        {"year": "2027", "holidays": "2027-01-01 元旦\x07", "makeup": "", "note": "国办发明电\x01〔2026〕7号"},
    )

    assert CalendarYear.objects.get(year=2027).note == "国办发明电〔2026〕7号"


def test_the_calendar_form_gives_typed_days_and_every_bad_line() -> None:
    today = dt.date(2026, 5, 20)
    good = CalendarYearForm(
        {
            "year": "2027",
            "holidays": "2027-10-01..2027-10-03 国庆节",
            "makeup": "2027-09-26 国庆节调休上班",
            "note": "通知",
        },
        today=today,
    )
    bad = CalendarYearForm(
        {"year": "2027", "holidays": "2027-02-30 春节\n2026-12-31 元旦", "note": "通知"}, today=today
    )

    assert good.is_valid(), good.errors
    assert good.cleaned_data["holidays"] == {dt.date(2027, 10, d): "国庆节" for d in (1, 2, 3)}
    assert good.cleaned_data["makeup"] == {dt.date(2027, 9, 26): "国庆节调休上班"}
    assert not bad.is_valid()
    assert [m.split("：")[0] for m in bad.errors["holidays"]] == ["第 1 行", "第 2 行"]


def test_the_follow_up_form_refuses_an_unknown_kind_and_a_bad_date() -> None:
    form = FollowUpStepForm({"kind": "burn", "done_on": "2026-13-01"})

    assert not form.is_valid()
    assert form.errors["kind"] == ["请选择处理方式"]
    assert form.errors["done_on"] == ["日期格式应为 年-月-日"]
