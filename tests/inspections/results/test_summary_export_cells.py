"""The 汇总表 is written whatever the stored results and targets hold (results are final: a bad
character stored once must not make the task's summary a 500 for good)."""

from __future__ import annotations

import io

import pgtrigger
import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from inspections.models import Result
from inspections.services.results import result_submit
from registries.models import Target, User
from tests.inspections.results.conftest import World, entry

pytestmark = pytest.mark.django_db


def test_the_summary_export_survives_control_characters_in_stored_results(
    client: Client, world: World, ivan: User, alice: User
) -> None:
    visits = world.visits
    result_submit(visit=visits[0], user=ivan, data=entry(world, findings="库存账实不符"))
    # Stored as an older version or the shell may have left them: straight into the rows.
    with pgtrigger.ignore("inspections.Result:result_is_final"):
        Result.objects.filter(visit=visits[0]).update(findings="库存账实不符\x07，已责令整改\x1b")
    Target.objects.filter(pk=visits[1].target_id).update(name="\x01\x02阳城县凤城粮油贸易有限公司")
    Target.objects.filter(pk=visits[2].target_id).update(address="=cmd|' /C calc'!A0\x0b")

    client.force_login(alice)
    response = client.get(reverse("inspections:task_summary_export", args=[world.task.pk, world.department.pk]))

    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content))["明细"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4
    assert "库存账实不符，已责令整改" in [r[7] for r in rows]
    assert "阳城县凤城粮油贸易有限公司" in [r[1] for r in rows]
    assert "'=cmd|' /C calc'!A0" in [r[3] for r in rows]
