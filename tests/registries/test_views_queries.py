"""No N+1: a list costs the same number of queries for 5 rows as for 25."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    ChecklistItemVersionFactory,
    ConflictFactory,
    ExpertFactory,
    ExpertiseFactory,
    InspectorFactory,
    ItemClaimFactory,
    LegalBasisFactory,
    TagFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db


def _targets(dept, n):  # type: ignore[no-untyped-def]
    tag = TagFactory()
    for t in TargetFactory.create_batch(n, department=dept):
        t.tags.add(tag)


def _inspectors(dept, n):  # type: ignore[no-untyped-def]
    food = ExpertiseFactory()
    for i in InspectorFactory.create_batch(n, department=dept):
        i.expertise.add(food)


def _experts(dept, n):  # type: ignore[no-untyped-def]
    food = ExpertiseFactory()
    for e in ExpertFactory.create_batch(n, department=dept):
        e.expertise.add(food)


def _conflicts(dept, n):  # type: ignore[no-untyped-def]
    ConflictFactory.create_batch(n, inspector=InspectorFactory(department=dept))


def _items(dept, n):  # type: ignore[no-untyped-def]
    basis = LegalBasisFactory()
    for v in ChecklistItemVersionFactory.create_batch(n):
        v.legal_bases.add(basis)
        ItemClaimFactory(item=v.item, department=dept)


def _bases(dept, n):  # type: ignore[no-untyped-def]
    for _ in range(n):
        ChecklistItemVersionFactory().legal_bases.add(LegalBasisFactory())


LISTS: dict[str, Callable[..., None]] = {
    "registries:target_list": _targets,
    "registries:inspector_list": _inspectors,
    "registries:expert_list": _experts,
    "registries:conflict_list": _conflicts,
    "registries:item_list": _items,
    "registries:claim_list": _items,
    "registries:legal_basis_list": _bases,
}


@pytest.mark.parametrize("name", list(LISTS))
def test_it_runs_a_fixed_number_of_queries_per_list(client, alice, amr, name):
    client.force_login(alice)
    url = reverse(name)
    LISTS[name](amr, 5)
    client.get(url)  # warm the session and the content-type caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    LISTS[name](amr, 20)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"].object_list) >= 20
    assert len(many.captured_queries) == len(few.captured_queries), [q["sql"] for q in many.captured_queries]
