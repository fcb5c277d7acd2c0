"""With the English language cookie, every role's pages read in English.

A representative set of pages is rendered for each role on the county's data (two
departments' published plans, three draws, results entered, follow-ups). The visible text
(tags, scripts and styles stripped; titles, placeholders and aria labels kept) may hold
Chinese only where it shows data: every text value stored in the database (names,
addresses, plan titles, notes) is taken out before the check, so what remains is the
interface's own words and the text the system writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import translation

from inspections.models import Visit
from publicity.models import PublishedResult
from registries.models import ChecklistItem, Role, Target
from tests.factories import UserFactory
from tests.plans.conftest import _media_in_tmp
from tests.publicity.conftest import County, ben, county

# The county's fixtures (two departments' published plans, draws, results, follow-ups), used here by name.
FIXTURES = (county, ben, _media_in_tmp)

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
# Rows the system seeds (national result categories, preset tier policies): not data, their text is translated.
SYSTEM_TEXT = {"inspections.ResultCategory", "credit_risk.TierPolicy"}


@pytest.fixture(autouse=True)
def _default_language_after() -> Iterator[None]:
    """A request with the English cookie leaves English active in this thread: the next tests expect Chinese."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        self.parts.extend(value for name, value in attrs if name in SHOWN_ATTRIBUTES and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _squash(text: str) -> str:
    return " ".join(text.split())


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return _squash(" ".join(parser.parts))


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def stored_strings() -> list[str]:
    """Every Chinese text value in the database, longest first (a name inside an address goes after it)."""
    found: set[str] = set()
    for model in apps.get_models():
        if model._meta.label in SYSTEM_TEXT:
            continue
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField) and not f.choices
        ]
        if not fields:
            continue
        for row in model.objects.values_list(*fields):
            for value in row:
                for text in _strings(value):
                    for line in text.splitlines():
                        if CJK.search(line):
                            found.add(_squash(line))
    # Data as the pages cut it: 县市场监管局 as a short name, a target's name inside a longer cell.
    return sorted((s for s in found if s), key=len, reverse=True)


def untranslated(html: str, data: list[str]) -> list[str]:
    text = visible_text(html)
    # The language switch names each language in itself (中文).
    text = text.replace("中文", " ")
    for value in data:
        text = text.replace(value, " ")
    return [m.group(0) for m in re.finditer(r"\S*" + CJK.pattern + r"\S*", text)]


def in_context(html: str, data: list[str]) -> list[str]:
    """Each untranslated word with a few words either side, for the failure message."""
    text = visible_text(html)
    return [text[max(0, text.find(w) - 40) : text.find(w) + len(w) + 20] for w in untranslated(html, data)]


def _check(client: Client, pages: list[str]) -> None:
    client.cookies["django_language"] = "en"
    data = stored_strings()
    problems = []
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert response["Content-Language"] == "en", url
        if untranslated(response.content.decode(), data):
            problems.append(f"{url}: {sorted(set(in_context(response.content.decode(), data)))}")
    assert not problems, "Chinese left in the English interface:\n" + "\n".join(problems)


def test_the_check_finds_an_untranslated_word_and_lets_data_through() -> None:
    html = '<p title="查看">Plan <b>阳城县计划</b></p><script>var a = "中文";</script><style>p{content:"中"}</style>'
    assert untranslated(html, ["阳城县计划"]) == ["查看"]
    assert untranslated("<p>Plan 阳城县计划 次</p>", ["阳城县计划"]) == ["次"]


@pytest.mark.django_db
def test_a_staff_members_pages_are_english(client: Client, county: County, alice) -> None:  # type: ignore[no-untyped-def]
    client.force_login(alice)
    round_a1 = county.rounds[0]
    _check(
        client,
        [
            reverse("home"),
            reverse("registries:target_list"),
            reverse("registries:target_detail", args=[county.grain[3].pk]),
            reverse("registries:inspector_list"),
            reverse("registries:item_list"),
            reverse("registries:item_detail", args=[ChecklistItem.objects.order_by("pk").first().pk]),  # type: ignore[union-attr]
            reverse("registries:import_list"),
            reverse("credit_risk:policy_list"),
            reverse("credit_risk:warning_list"),
            reverse("plans:list"),
            reverse("plans:detail", args=[county.a1.plan_id]),
            reverse("plans:adjustment_list"),
            reverse("plans:task_allocation", args=[county.a1.pk]),
            reverse("inspections:task_list"),
            reverse("inspections:task_draws", args=[county.a1.pk]),
            reverse("inspections:task_draws", args=[county.a3.pk]),
            reverse("inspections:round_detail", args=[round_a1.pk]),
            reverse("inspections:round_list_print", args=[round_a1.pk]),
            reverse("inspections:task_results", args=[county.a1.pk]),
            reverse("inspections:follow_up_list"),
            reverse("inspections:follow_up_detail", args=[county.open_follow_up.pk]),
            reverse("dashboard:index") + "?year=2026",
        ],
    )


@pytest.mark.django_db
def test_an_inspectors_pages_are_english(client: Client, county: County, ivan) -> None:  # type: ignore[no-untyped-def]
    client.force_login(ivan)
    to_visit = Visit.objects.filter(target=county.grain[6]).get()
    _check(
        client,
        [
            reverse("home"),
            reverse("inspections:my_visits"),
            reverse("inspections:visit_detail", args=[county.late_visit.pk]),
            reverse("inspections:visit_detail", args=[county.overdue_visit.pk]),
            reverse("inspections:visit_detail", args=[to_visit.pk]),
        ],
    )


@pytest.mark.django_db
def test_a_leaders_pages_are_english(client: Client, county: County) -> None:
    leader = UserFactory(username="lee", full_name="刘洋", role=Role.LEADER, department=county.amr)
    client.force_login(leader)
    _check(client, [reverse("home"), reverse("inspections:correction_list")])


@pytest.mark.django_db
def test_the_offices_pages_are_english(client: Client, county: County, olivia) -> None:  # type: ignore[no-untyped-def]
    client.force_login(olivia)
    _check(
        client,
        [
            reverse("home"),
            reverse("dashboard:index") + "?year=2026",
            reverse("plans:list"),
            reverse("plans:detail", args=[county.b1.plan_id]),
            reverse("notifications:list"),
        ],
    )


@pytest.mark.django_db
def test_the_public_pages_are_english(client: Client, county: County) -> None:
    target = Target.objects.filter(pk=county.grain[1].pk).get()
    result = PublishedResult.objects.filter(target_name=target.name).first() or PublishedResult.objects.first()
    assert result is not None
    _check(
        client,
        [
            reverse("publicity:index"),
            reverse("publicity:plan_list"),
            reverse("publicity:plan_detail", args=[county.a1.plan_id]),
            reverse("publicity:checklist"),
            reverse("publicity:result_list"),
            reverse("publicity:result_detail", args=[result.pk]),
            reverse("publicity:draw_list"),
            reverse("publicity:draw_detail", args=[county.rounds[2].pk]),  # every visit entered,
        ],
    )


@pytest.mark.django_db
def test_frequency_months_and_punctuation_follow_the_language(client: Client, county: County, alice) -> None:  # type: ignore[no-untyped-def]
    """One inspection a year is "1 time a year" (a plural form, not "1 times"); the Chinese stays 每年 1 次."""
    client.force_login(alice)
    url = reverse("plans:detail", args=[county.a1.plan_id])
    chinese = visible_text(client.get(url).content.decode())
    assert "每年 1 次" in chinese
    assert "3月—10月" in chinese
    client.cookies["django_language"] = "en"
    english = visible_text(client.get(url).content.decode())
    assert "1 time a year" in english
    assert "1 times a year" not in english
    assert "months 3–10" in english


@pytest.mark.django_db
def test_a_national_result_category_reads_in_the_users_language(client: Client, county: County, ivan) -> None:  # type: ignore[no-untyped-def]
    client.force_login(ivan)
    url = reverse("inspections:visit_detail", args=[county.overdue_visit.pk])
    assert "违反市场监管相关规定：未按规定公示应当公示的信息" in visible_text(client.get(url).content.decode())
    client.cookies["django_language"] = "en"
    english = visible_text(client.get(url).content.decode())
    assert "Breach of market regulation rules: Information that must be made public was not published" in english
