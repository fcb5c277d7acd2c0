"""The office's dashboard workbooks are written whatever department and task names hold."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from plans.models import Task
from registries.models import Department, User
from tests.publicity.conftest import County

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("which", ["figures", "half-year", "self-check"])
def test_the_dashboard_exports_survive_control_characters(
    client: Client, county: County, olivia: User, which: str
) -> None:
    Department.objects.filter(pk=county.amr.pk).update(name="\x01阳城县市场监督管理局\x02")
    Task.objects.filter(pk=county.a1.pk).update(name="=\x07粮食收购资格检查")

    client.force_login(olivia)
    response = client.get(reverse("dashboard:export", args=[which]), {"year": 2026})

    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    departments = [row[0] for row in book["部门明细"].iter_rows(min_row=2, values_only=True)]
    assert "阳城县市场监督管理局" in departments
    if which != "figures":
        tasks = [row[2] for row in book["任务完成情况"].iter_rows(min_row=2, values_only=True)]
        assert "'=粮食收购资格检查" in tasks
