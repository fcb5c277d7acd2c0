"""Target registry pages: search, filters, paging without a full COUNT(*), scoping, htmx."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registries import credit_code
from registries.models import TargetKind, TargetStatus
from registries.selectors import COUNT_CAP, PAGE_SIZE
from tests.factories import RegionFactory, TagFactory, TargetFactory

pytestmark = pytest.mark.django_db

LIST = reverse("registries:target_list")


def test_it_redirects_anonymous_users_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_forbids_inspectors(client, ivan):
    client.force_login(ivan)
    assert client.get(LIST).status_code == 403


def test_it_lists_only_own_department_targets(client, alice, amr, drc):
    TargetFactory(name="阳城县康乐粮油贸易有限公司", department=amr)
    TargetFactory(name="阳城县丰收农资有限公司", department=drc)
    client.force_login(alice)
    body = client.get(LIST).content.decode()
    assert "阳城县康乐粮油贸易有限公司" in body
    assert "阳城县丰收农资有限公司" not in body


def test_it_lets_the_office_see_every_department(client, olivia, amr, drc):
    TargetFactory(name="阳城县康乐粮油贸易有限公司", department=amr)
    TargetFactory(name="阳城县丰收农资有限公司", department=drc)
    client.force_login(olivia)
    body = client.get(LIST).content.decode()
    assert "阳城县康乐粮油贸易有限公司" in body
    assert "阳城县丰收农资有限公司" in body


def test_it_finds_a_target_by_a_full_width_lowercase_credit_code(client, alice, amr):
    target = TargetFactory(department=amr)
    TargetFactory(department=amr, name="阳城县另一家公司")
    typed = " " + target.credit_code.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) + " "
    assert credit_code.normalise(typed) == target.credit_code
    client.force_login(alice)
    response = client.get(LIST, {"q": typed})
    assert list(response.context["page"].object_list) == [target]


def test_it_searches_names_by_prefix_or_contains(client, alice, amr):
    grain = TargetFactory(name="阳城县康乐粮油贸易有限公司", department=amr)
    TargetFactory(name="晋城市康乐食品有限公司", department=amr)
    client.force_login(alice)
    contains = client.get(LIST, {"q": "康乐"}).context["page"].object_list
    prefix = client.get(LIST, {"q": "阳城县康乐", "match": "prefix"}).context["page"].object_list
    assert len(contains) == 2
    assert list(prefix) == [grain]
    assert client.get(LIST, {"q": "康乐", "match": "prefix"}).context["page"].object_list == []


def test_it_filters_by_kind_status_region_and_tag(client, alice, amr):
    other_region = RegionFactory(code="140525", name="泽州县")
    tag = TagFactory(name="加油站")
    match = TargetFactory(department=amr, kind=TargetKind.INDIVIDUAL, name="阳城县李记加油站")
    match.tags.add(tag)
    TargetFactory(department=amr, kind=TargetKind.INDIVIDUAL, status=TargetStatus.CANCELLED).tags.add(tag)
    TargetFactory(department=amr, kind=TargetKind.ENTERPRISE).tags.add(tag)
    TargetFactory(department=amr, kind=TargetKind.INDIVIDUAL, region=other_region).tags.add(tag)
    TargetFactory(department=amr, kind=TargetKind.INDIVIDUAL)
    client.force_login(alice)
    params = {"kind": "individual", "status": "active", "region": match.region_id, "tag": tag.pk}
    assert client.get(LIST, params).context["page"].object_list == [match]


def test_it_pages_without_counting_the_whole_table(client, alice, amr):
    TargetFactory.create_batch(PAGE_SIZE + 3, department=amr)
    client.force_login(alice)
    first = client.get(LIST).context["page"]
    second = client.get(LIST, {"page": 2}).context["page"]
    assert len(first.object_list) == PAGE_SIZE
    assert first.has_next
    assert len(second.object_list) == 3
    assert not second.has_next
    assert first.count == PAGE_SIZE + 3
    assert not set(first.object_list) & set(second.object_list)


def test_beyond_the_cap_it_says_the_planners_estimate(alice, amr, drc, monkeypatch):
    from registries import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    TargetFactory.create_batch(40, department=amr)
    TargetFactory.create_batch(20, department=drc)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registries_target")
    page = selectors.paginate(selectors.target_list(user=alice), 1)
    assert page.count_capped
    # 40 of alice's department: estimated from the statistics, not counted, and not 5.
    assert 30 <= page.count <= 50
    assert COUNT_CAP >= 1000


def test_an_estimate_is_never_below_the_rows_already_seen(alice, amr, monkeypatch):
    from registries import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    monkeypatch.setattr(selectors, "estimated_count", lambda queryset: 1)
    TargetFactory.create_batch(7, department=amr)
    page = selectors.paginate(selectors.target_list(user=alice), 1, per_page=3)
    assert (page.count, page.count_capped) == (6, True)


def test_it_counts_with_a_limited_subquery(client, alice, amr):
    TargetFactory.create_batch(3, department=amr)
    client.force_login(alice)
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST)
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts
    assert all("LIMIT" in sql.upper() for sql in counts)


def test_it_does_not_query_per_row(client, alice, amr, django_assert_max_num_queries):
    tag = TagFactory()
    for target in TargetFactory.create_batch(30, department=amr):
        target.tags.add(tag)
    client.force_login(alice)
    client.get(LIST)  # warm the session and the content types
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    TargetFactory.create_batch(20, department=amr)
    with CaptureQueriesContext(connection) as more:
        client.get(LIST)
    assert len(more.captured_queries) == len(few.captured_queries)


def test_it_returns_only_the_results_partial_to_htmx(client, alice, amr):
    TargetFactory(name="阳城县康乐粮油贸易有限公司", department=amr)
    client.force_login(alice)
    response = client.get(LIST, {"q": "康乐"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "阳城县康乐粮油贸易有限公司" in body
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]
    full = client.get(LIST, {"q": "康乐"}).content.decode()
    assert "<html" in full
    assert 'hx-get="/registries/targets/"' in full


def test_it_shows_a_target_of_the_own_department(client, alice, amr):
    target = TargetFactory(department=amr, name="阳城县康乐粮油贸易有限公司")
    client.force_login(alice)
    response = client.get(reverse("registries:target_detail", args=[target.pk]))
    assert response.status_code == 200
    assert target.credit_code in response.content.decode()


def test_it_hides_another_departments_target(client, bob, amr):
    target = TargetFactory(department=amr)
    client.force_login(bob)
    assert client.get(reverse("registries:target_detail", args=[target.pk])).status_code == 404


def test_it_records_the_creation_in_the_history(client, alice, amr):
    target = TargetFactory(department=amr)
    client.force_login(alice)
    body = client.get(reverse("registries:target_detail", args=[target.pk])).content.decode()
    assert "新增" in body
    assert "暂无变更记录" not in body


def test_it_shows_the_history_of_changes(client, alice, amr):
    target = TargetFactory(department=amr, name="阳城县康乐粮油贸易有限公司")
    target.name = "阳城县康乐粮油有限公司"
    target.save()
    client.force_login(alice)
    response = client.get(reverse("registries:target_detail", args=[target.pk]))
    history = response.context["history"]
    assert [e.pgh_label for e in history] == ["update", "insert"]
    assert history[0].pgh_diff["name"] == ["阳城县康乐粮油贸易有限公司", "阳城县康乐粮油有限公司"]
    assert "阳城县康乐粮油贸易有限公司 → 阳城县康乐粮油有限公司" in response.content.decode()


def _workbook_strings(response) -> set[str]:
    import io

    from openpyxl import load_workbook

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return {str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row if c is not None}


def test_the_export_link_carries_the_lists_filters(client, alice, amr, drc):
    grain = TargetFactory(name="阳城县康乐粮油贸易有限公司", department=amr)
    food = TargetFactory(name="阳城县润泽食品有限公司", department=amr)
    other = TargetFactory(name="阳城县康乐饭店", department=drc)
    client.force_login(alice)

    page = client.get(LIST, {"q": "康乐", "page": "1"})
    link = page.context["qs"]
    assert "q=%E5%BA%B7%E4%B9%90" in link and "page" not in link
    url = reverse("registries:export", args=["targets"]) + "?" + link
    assert url.replace("&", "&amp;") in page.content.decode()

    names = _workbook_strings(client.get(url))
    assert grain.name in names and food.name not in names and other.name not in names

    everything = _workbook_strings(client.get(reverse("registries:export", args=["targets"])))
    assert {grain.name, food.name} <= everything and other.name not in everything


def test_an_export_with_a_bad_filter_says_so_and_sends_no_file(client, alice, amr):
    TargetFactory(name="阳城县康乐粮油贸易有限公司", department=amr)
    client.force_login(alice)
    response = client.get(reverse("registries:export", args=["targets"]), {"kind": "不存在的类型"})
    assert response.status_code == 302 and response.url.startswith(LIST)
    follow = client.get(response.url)
    assert [m.level_tag for m in follow.context["messages"]] == ["error"]
