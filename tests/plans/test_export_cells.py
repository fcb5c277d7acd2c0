"""A plan's .xlsx export is written whatever its stored texts hold."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from plans.models import Plan, Task
from plans.services import plan_import
from registries.models import Department, User
from tests.plans.conftest import SAMPLES

pytestmark = pytest.mark.django_db


def test_the_plan_export_survives_control_characters_and_formulas(
    client: Client, alice: User, amr: Department, drc: Department
) -> None:
    Department.objects.create(name="阳城县统计局", short_name="统计局", level=amr.level, region=amr.region)
    plan = plan_import(path=SAMPLES / "plan-2022-county-drc.xlsx", year=2022, owner=amr, user=alice)
    first = plan.tasks.order_by("number").first()
    assert first is not None
    Plan.objects.filter(pk=plan.pk).update(title="阳城县2022年度\x0c双随机抽查计划")
    Task.objects.filter(pk=first.pk).update(
        name="\x01\x02粮食收购资格检查", remark="=1+1\x07", scope_text="-\x08加油站"
    )

    client.force_login(alice)
    response = client.get(reverse("plans:export", args=[plan.pk, "xlsx"]))

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert sheet["A1"].value == "阳城县2022年度双随机抽查计划"
    row = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == first.number)
    assert row[1] == "粮食收购资格检查"
    assert row[4] == "'-加油站"
    assert row[13] == "'=1+1"
