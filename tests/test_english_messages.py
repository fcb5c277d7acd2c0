"""The English interface is English: messages a user triggers carry no Chinese of the interface.

Data (a target's name, a holiday's name) may be Chinese; what the interface says around it may not.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation

from inspections.calendar_parsing import parse_day_lines
from inspections.errors import InspectionError
from inspections.forms import CalendarYearForm, CorrectionDecisionForm, FollowUpStepForm, VisitDoneForm
from plans.forms import DecisionForm
from publicity.forms import YearGoalsForm
from registries.forms import DuplicateMergeForm
from registries.models import Role
from tests.factories import UserFactory

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
TODAY = dt.date(2026, 5, 20)


def _errors(form: object) -> list[str]:
    assert not form.is_valid()  # type: ignore[attr-defined]
    return [str(m) for errors in form.errors.values() for m in errors]  # type: ignore[attr-defined]


def _assert_english(messages: list[str]) -> None:
    assert messages
    for message in messages:
        assert not CJK.search(message), message


def test_form_errors_a_user_triggers_are_english() -> None:
    with translation.override("en"):
        messages = [
            *_errors(CalendarYearForm({"year": "2035", "holidays": "", "note": " "}, today=TODAY)),
            *_errors(
                CalendarYearForm({"year": "2027", "holidays": "2027-02-30\n2026-12-31", "note": "x"}, today=TODAY)
            ),
            *_errors(FollowUpStepForm({"kind": "burn", "done_on": "yesterday", "due_on": "2026-13-01"})),
            *_errors(VisitDoneForm({"visited_on": ""})),
            *_errors(CorrectionDecisionForm({"decision": "maybe"})),
            *_errors(YearGoalsForm({"year": "1999", "coverage_percent": "120", "tier_use_percent": "x"}, today=TODAY)),
            *_errors(DuplicateMergeForm({"keep": "first"})),
            *_errors(DecisionForm({"action": "burn"})),
        ]
    _assert_english(messages)


def test_the_calendar_parser_explains_each_bad_line_in_english() -> None:
    with translation.override("en"), pytest.raises(InspectionError) as caught:
        parse_day_lines("2027-02-30\n2026-12-31\n2027-03-05..2027-03-01\n2027-01-01..2027-03-01", 2027)

    _assert_english(caught.value.messages)
    assert len(caught.value.messages) == 4


@pytest.fixture
def _back_to_chinese() -> Iterator[None]:
    """A request in English leaves English active in the thread (LocaleMiddleware): restore the default."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.django_db
@pytest.mark.usefixtures("_back_to_chinese")
def test_the_calendar_page_refuses_in_english(client: Client) -> None:
    from tests.security.conftest import verified_client

    admin = verified_client(UserFactory(username="sam", role=Role.SYSTEM_ADMIN, department=None))
    admin.cookies["django_language"] = "en"

    response = admin.post(reverse("inspections:calendar_years"), {"year": "2027", "holidays": "2027-13-01", "note": ""})

    _assert_english([str(m) for m in get_messages(response.wsgi_request)])


@pytest.mark.django_db
def test_service_refusals_are_english() -> None:
    from registries.errors import RegistryError
    from registries.services.conflicts import target_by_key

    refusals: list[str] = []
    with translation.override("en"):
        for refuse in (
            lambda: target_by_key(" "),
            lambda: target_by_key("91140522MA0L5ABC1X"),
        ):
            with pytest.raises(RegistryError) as caught:
                refuse()
            refusals += caught.value.messages
    # The key the user typed comes back as typed; the interface around it is English.
    _assert_english([m.replace("91140522MA0L5ABC1X", "") for m in refusals])
    assert len(refusals) == 2
