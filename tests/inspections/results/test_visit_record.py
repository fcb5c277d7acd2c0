"""The printable inspection record (检查记录) of a visit: what was entered, and who may print it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from inspections.services.results import result_submit
from registries.models import Role, User
from tests.factories import InspectorFactory, UserFactory
from tests.inspections.results.conftest import World, category, entry

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_record_shows_the_stored_result_team_and_signature_lines(world: World, ivan: User, alice: User) -> None:
    visit = world.visits[0]
    result_submit(visit=visit, user=ivan, data=entry(world, {0: ["07"]}, findings="粮食收购台账记录不全，已当场指出"))
    visit.refresh_from_db()
    response = _client(alice).get(reverse("inspections:visit_record", args=[visit.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    record = body[body.index('id="visit-record"') :]
    for text in (
        visit.target.name,
        visit.target.natural_key_value,
        visit.target.address,
        world.task.name,
        world.items[0].current_version.name,
        str(category("07")),
        "粮食收购台账记录不全，已当场指出",
        visit.entry_deadline.isoformat(),
        "2026-05-12",  # the completion date entered
        "2026-05-20 10:00",  # submitted (time frozen at 10:00 Shanghai)
        "检查人员签名",
        "被检查对象负责人签名",
    ):
        assert text in record, text
    for officer in world.officers:
        assert officer.name in record and officer.certificate_no in record
    assert "@media print" in body  # nav, footer and buttons hide on paper


def test_the_visit_page_links_to_its_record(world: World, alice: User) -> None:
    visit = world.visits[0]
    page = _client(alice).get(reverse("inspections:visit_detail", args=[visit.pk])).content.decode()
    assert reverse("inspections:visit_record", args=[visit.pk]) in page


def test_the_record_is_shown_to_whoever_may_see_the_visit_page(world: World, ivan: User, bob: User, amr) -> None:  # type: ignore[no-untyped-def]
    visit = world.visits[0]
    result_submit(visit=visit, user=ivan, data=entry(world, {0: ["07"]}, findings="台账不全"))
    record = reverse("inspections:visit_record", args=[visit.pk])
    detail = reverse("inspections:visit_detail", args=[visit.pk])
    # A team member prints it.
    assert _client(ivan).get(record).status_code == 200
    # Staff of another department do not learn the visit exists.
    assert _client(bob).get(record).status_code == 404
    # An inspector not on the team gets the visit page's answer.
    stranger = UserFactory(username="ines", role=Role.INSPECTOR, department=amr)
    InspectorFactory(department=amr, region=amr.region, user=stranger)
    client = _client(stranger)
    assert client.get(record).status_code == client.get(detail).status_code == 403
