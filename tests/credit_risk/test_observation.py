"""Observation periods (观察期): set by staff for A and B targets only, audited, shown on the tier page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from credit_risk import services
from credit_risk.models import ObservationPeriod
from registries.models import AuditEvent, Department, Target, User
from tests.factories import TargetFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 3, 1), dt.date(2026, 8, 31)


def _tiered(department: Department, tier: str, user: User) -> Target:
    target = TargetFactory(department=department)
    services.tier_set(target=target, tier=tier, reason="分类结果", user=user, assessed_on=dt.date(2026, 1, 5))
    return target


def test_it_sets_an_observation_period_for_a_low_risk_target_and_audits_it(amr: Department, alice: User) -> None:
    target = _tiered(amr, "A", alice)

    period = services.observation_set(
        target=target, starts_on=START, ends_on=END, reason="新业态：直播电商，首次登记", user=alice
    )

    assert (period.tier, period.created_by) == ("A", alice)
    assert period.covers(dt.date(2026, 5, 1)) and not period.covers(dt.date(2026, 9, 1))
    event = AuditEvent.objects.get(action="credit_risk.observation_set")
    assert event.detail["target"] == target.pk and event.detail["ends_on"] == "2026-08-31"


@pytest.mark.parametrize(
    ("tier", "words"), [("C", "C 较高风险的对象不能设定观察期"), ("D", "D 高风险的对象不能设定观察期")]
)
def test_it_refuses_an_observation_period_for_c_and_d(amr: Department, alice: User, tier: str, words: str) -> None:
    target = _tiered(amr, tier, alice)

    with pytest.raises(ValidationError, match=words):
        services.observation_set(target=target, starts_on=START, ends_on=END, reason="新业态", user=alice)
    assert not ObservationPeriod.objects.exists()


def test_it_refuses_an_unclassified_target_a_missing_reason_and_an_overlap(amr: Department, alice: User) -> None:
    with pytest.raises(ValidationError, match="未分类的对象不能设定观察期"):
        services.observation_set(
            target=TargetFactory(department=amr), starts_on=START, ends_on=END, reason="新业态", user=alice
        )
    target = _tiered(amr, "B", alice)
    with pytest.raises(ValidationError, match="必须填写理由"):
        services.observation_set(target=target, starts_on=START, ends_on=END, reason="  ", user=alice)
    with pytest.raises(ValidationError, match="不能早于开始日期"):
        services.observation_set(target=target, starts_on=END, ends_on=START, reason="新业态", user=alice)
    services.observation_set(target=target, starts_on=START, ends_on=END, reason="新业态", user=alice)
    with pytest.raises(ValidationError, match="已有观察期"):
        services.observation_set(
            target=target, starts_on=dt.date(2026, 8, 1), ends_on=dt.date(2026, 12, 31), reason="新业态", user=alice
        )
    assert ObservationPeriod.objects.count() == 1


def test_it_lets_staff_set_it_on_the_tier_page(client: Client, amr: Department, alice: User) -> None:
    target = _tiered(amr, "B", alice)
    client.force_login(alice)
    url = reverse("credit_risk:observation_set", args=[target.pk])

    response = client.post(url, {"starts_on": "2026-03-01", "ends_on": "2026-08-31", "reason": "新业态：共享储能"})

    assert response.status_code == 302
    page = client.get(reverse("credit_risk:target_tier", args=[target.pk])).content.decode()
    assert "新业态：共享储能" in page and "2026-08-31" in page


def test_it_shows_the_refusal_on_the_tier_page(client: Client, amr: Department, alice: User) -> None:
    target = _tiered(amr, "D", alice)
    client.force_login(alice)

    response = client.post(
        reverse("credit_risk:observation_set", args=[target.pk]),
        {"starts_on": "2026-03-01", "ends_on": "2026-08-31", "reason": "新业态"},
    )

    assert response.status_code == 200
    assert "不能设定观察期" in response.content.decode()
    assert not ObservationPeriod.objects.exists()


def test_it_refuses_staff_of_another_department(client: Client, amr: Department, alice: User, bob: User) -> None:
    target = _tiered(amr, "A", alice)
    client.force_login(bob)

    response = client.post(
        reverse("credit_risk:observation_set", args=[target.pk]),
        {"starts_on": "2026-03-01", "ends_on": "2026-08-31", "reason": "新业态"},
    )

    assert response.status_code == 404
    assert not ObservationPeriod.objects.exists()
