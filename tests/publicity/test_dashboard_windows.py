"""The dashboard's words for an undrawn task follow its window: open (检查期已开始仍未抽取) or
ended (检查期已结束仍未抽取), in the counts, the tiles and the drill-downs alike."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from publicity.dashboard import drill_rows, figures
from registries.models import User
from tests.publicity.conftest import County

pytestmark = pytest.mark.django_db

# Undrawn in the county: a3 食品生产企业监督检查 (March–October), b2 价格监督检查 (September–November).
CASES = [
    (dt.date(2026, 5, 20), {"食品生产企业监督检查"}, set()),
    (dt.date(2026, 10, 31), {"食品生产企业监督检查", "价格监督检查"}, set()),
    (dt.date(2026, 11, 1), {"价格监督检查"}, {"食品生产企业监督检查"}),
    (dt.date(2026, 12, 4), set(), {"食品生产企业监督检查", "价格监督检查"}),
]


@pytest.mark.parametrize(("today", "open_names", "expired_names"), CASES)
def test_it_counts_an_undrawn_task_as_open_or_expired_by_its_window(
    county: County, today: dt.date, open_names: set[str], expired_names: set[str]
) -> None:
    f = figures(year=2026, today=today)

    assert (f.total.tasks_not_started, f.total.tasks_expired) == (len(open_names), len(expired_names))
    assert f.total_missed["expired"] == bool(expired_names)
    a = next(r for r in f.rows if r.department_id == county.amr.pk)
    assert a.tasks_expired == ("食品生产企业监督检查" in expired_names)
    opened = drill_rows(key="tasks_not_started", year=2026, today=today, department_id=None)
    ended = drill_rows(key="tasks_expired", year=2026, today=today, department_id=None)
    assert {t.name for t in opened} == open_names
    assert {t.name for t in ended} == expired_names


def test_the_pages_call_an_expired_undrawn_task_by_its_name(
    client: Client,
    county: County,
    olivia: User,
    time_machine,  # type: ignore[no-untyped-def]
) -> None:
    time_machine.move_to(dt.datetime(2026, 12, 4, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
    olivia.password_changed_at = timezone.now()
    olivia.save(update_fields=["password_changed_at"])
    client.force_login(olivia)

    index = client.get(reverse("dashboard:index"), {"year": 2026}).content.decode()
    assert 'data-figure="tasks_expired">2<' in index
    assert 'data-figure="tasks_not_started">0<' in index
    assert "检查期已结束仍未抽取" in index

    drill = client.get(reverse("dashboard:rows", args=["tasks_expired"]), {"year": 2026}).content.decode()
    assert "食品生产企业监督检查" in drill and "价格监督检查" in drill
    assert "检查期已结束仍未抽取" in drill
    still_open = client.get(reverse("dashboard:rows", args=["tasks_not_started"]), {"year": 2026}).content.decode()
    assert "食品生产企业监督检查" not in still_open
