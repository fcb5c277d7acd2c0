"""Every registry list exports what it shows: the export link carries the list's filters."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from registries.models import Department, InspectorStatus, ItemCategory, User
from tests.factories import ChecklistItemVersionFactory, InspectorFactory

pytestmark = pytest.mark.django_db


def _workbook_strings(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return {str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row if c is not None}


def _export_link(client: Client, list_name: str, kind: str, params: dict[str, str]) -> str:
    page = client.get(reverse(list_name), {**params, "page": "1"})
    link = page.context["qs"]
    assert link and "page" not in link
    url = reverse("registries:export", args=[kind]) + "?" + link
    assert url.replace("&", "&amp;") in page.content.decode()
    return url


def test_the_inspector_export_holds_only_the_filtered_rows(client: Client, alice: User, amr: Department) -> None:
    active = InspectorFactory(name="王建国", department=amr)
    retired = InspectorFactory(name="李秀英", department=amr, status=InspectorStatus.RETIRED)
    other = InspectorFactory(name="张志强", status=InspectorStatus.RETIRED)  # another department
    client.force_login(alice)

    url = _export_link(client, "registries:inspector_list", "inspectors", {"status": InspectorStatus.RETIRED})
    names = _workbook_strings(client.get(url))
    assert retired.name in names
    assert active.name not in names and other.name not in names

    everything = _workbook_strings(client.get(reverse("registries:export", args=["inspectors"])))
    assert {active.name, retired.name} <= everything and other.name not in everything


def test_the_item_export_holds_only_the_filtered_rows(client: Client, alice: User) -> None:
    key = ChecklistItemVersionFactory(name="粮食收购资格及粮食收购活动的检查", category=ItemCategory.KEY)
    general = ChecklistItemVersionFactory(name="企业公示信息的抽查", category=ItemCategory.GENERAL)
    client.force_login(alice)

    url = _export_link(client, "registries:item_list", "items", {"category": ItemCategory.GENERAL})
    names = _workbook_strings(client.get(url))
    assert general.name in names and general.item.code in names
    assert key.name not in names and key.item.code not in names

    everything = _workbook_strings(client.get(reverse("registries:export", args=["items"])))
    assert {key.name, general.name} <= everything


@pytest.mark.parametrize(
    ("kind", "list_name", "bad"),
    [
        ("inspectors", "registries:inspector_list", {"status": "不存在的状态"}),
        ("items", "registries:item_list", {"category": "不存在的类别"}),
    ],
)
def test_an_export_with_a_bad_filter_says_so_and_sends_no_file(
    client: Client, alice: User, amr: Department, kind: str, list_name: str, bad: dict[str, str]
) -> None:
    InspectorFactory(name="王建国", department=amr)
    ChecklistItemVersionFactory()
    client.force_login(alice)
    response = client.get(reverse("registries:export", args=[kind]), bad)
    assert response.status_code == 302 and response.url.startswith(reverse(list_name))
    assert "Content-Disposition" not in response
    follow = client.get(response.url)
    assert [m.level_tag for m in follow.context["messages"]] == ["error"]
