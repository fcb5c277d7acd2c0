"""Public search by one- and two-character words (the name's grams kept by PostgreSQL), pages
by cursor, and the limit on anonymous searches."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from publicity.models import PublishedResult
from publicity.search import grams, query_grams
from publicity.selectors import public_results, public_results_page
from tests.publicity.conftest import County

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
NAME = st.text(alphabet=st.one_of(CJK, st.sampled_from("ABCabc（）()·0123")), min_size=1, max_size=30)


@given(name=NAME, data=st.data())
def test_every_substring_of_a_name_has_its_grams_in_the_name(name: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(name) - 1))
    end = data.draw(st.integers(start + 1, len(name)))
    assert set(query_grams(name[start:end])) <= grams(name)


@given(name=NAME)
def test_a_one_character_query_is_its_character(name: str) -> None:
    assert query_grams(name[0]) == [name[0].lower()]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["阳城县康乐粮油贸易有限公司", "晋城市ABC（阳城）加油站", "王", "食品"])
def test_the_databases_grams_are_the_python_twins(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT ssj_grams(%s)", [name])
        assert set(cursor.fetchone()[0]) == grams(name)


@pytest.fixture
def names(county: County) -> dict[str, PublishedResult]:
    return {row.target_name: row for row in PublishedResult.objects.all()}


@pytest.mark.django_db
def test_one_and_two_character_queries_find_exactly_the_names_containing_them(county: County, names) -> None:  # type: ignore[no-untyped-def]
    for q in ("粮", "油", "加油", "有限", "站", "康"):
        found = {r.target_name for r in public_results(q)}
        assert found == {n for n in names if q in n}, q


@pytest.mark.django_db
def test_grams_that_are_all_present_but_not_in_sequence_are_no_match(county: County) -> None:
    row = PublishedResult.objects.order_by("pk").first()
    assert row is not None
    PublishedResult.objects.filter(pk=row.pk).update(target_name="阳城县油站加油服务部")
    # 加油 and 油站 are both pairs of the name, but 加油站 is not in it.
    assert set(query_grams("加油站")) <= grams("阳城县油站加油服务部")
    assert row.pk not in set(public_results("加油站").values_list("pk", flat=True))
    assert row.pk in set(public_results("油站").values_list("pk", flat=True))


@pytest.mark.django_db
def test_the_grams_lookup_is_served_by_the_gin_index(county: County) -> None:
    # On a table this small the planner prefers other paths; what matters is that the
    # lookup the search uses is one the index can serve (benchmarks/public_search.py: at scale).
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        sql, params = (
            PublishedResult.objects.filter(name_grams__contains=query_grams("粮油")).order_by().query.sql_with_params()
        )
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "published_result_grams" in plan


@pytest.mark.django_db
def test_pages_follow_a_cursor_through_every_row_once(county: County) -> None:
    rows = public_results()
    expected = list(rows.values_list("pk", flat=True))
    assert len(expected) > 3
    seen: list[int] = []
    after = ""
    while True:
        page = public_results_page(rows, after, per_page=3)
        seen += [r.pk for r in page.object_list]
        if not page.has_next:
            break
        after = page.next_cursor
    assert seen == expected


@pytest.mark.django_db
def test_the_page_links_carry_the_cursor_and_the_query(client: Client, county: County) -> None:
    import publicity.selectors as selectors

    first = client.get(reverse("publicity:result_list"), {"q": "粮"})
    page = first.context["page"]
    if page.has_next:
        assert f"after={page.next_cursor}" in first.content.decode()
    assert client.get(reverse("publicity:result_list"), {"q": "粮", "after": "not-a-cursor"}).status_code == 200
    assert selectors.public_results_after(public_results(), "2026-13-01.x").count() == public_results().count()


@pytest.mark.django_db
def test_anonymous_searches_are_limited_per_address(client: Client, county: County, settings, alice) -> None:  # type: ignore[no-untyped-def]
    settings.SEARCH_RATE = "3/m"
    cache.clear()
    url = reverse("publicity:result_list")
    answers = [client.get(url, {"q": "粮"}, REMOTE_ADDR="203.0.113.7").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert "查询过于频繁" in client.get(url, {"q": "油"}, REMOTE_ADDR="203.0.113.7").content.decode()
    # Another address, browsing without a query, and signed-in staff are not counted against it.
    assert client.get(url, {"q": "粮"}, REMOTE_ADDR="198.51.100.2").status_code == 200
    assert client.get(url, REMOTE_ADDR="203.0.113.7").status_code == 200
    client.force_login(alice)
    assert client.get(url, {"q": "粮"}, REMOTE_ADDR="203.0.113.7").status_code == 200
    cache.clear()
