"""Observation periods (观察期) in the frozen population: excluded while they last, counted and shown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from credit_risk import services
from inspections.models import DrawnTarget, DrawRound
from inspections.population import EXCLUSION_LABELS
from inspections.services.draws import draw_round_open, draw_round_run, draw_round_start
from inspections.verification import verify_round
from plans.models import Task
from registries.models import User
from tests.inspections.draw_fixtures import make_targets, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(_draw_media) -> None:  # type: ignore[no-untyped-def]
    pass


def _drawn(task: Task, alice: User) -> DrawRound:
    draw_round = draw_round_open(task=task, user=alice)
    draw_round_start(draw_round=draw_round, user=alice)
    return draw_round_run(round_id=draw_round.pk)


def test_it_excludes_targets_in_an_observation_period_and_counts_them(alice: User, client: Client) -> None:
    assert alice.department is not None
    targets = make_targets(12, alice.department, tiers="AB")
    today = timezone.localdate()
    observed = targets[:3]
    for target in observed:
        services.observation_set(
            target=target,
            starts_on=today - dt.timedelta(days=10),
            ends_on=today + dt.timedelta(days=10),
            reason="新业态",
            user=alice,
        )
    task = make_task(alice.department, uses_tiers=False, percent="100")

    draw_round = _drawn(task, alice)

    assert draw_round.exclusions == {"observation": 3}
    assert draw_round.population_size == 9
    drawn = set(DrawnTarget.objects.filter(round=draw_round).values_list("target_id", flat=True))
    assert drawn == {t.pk for t in targets[3:]}
    assert verify_round(draw_round).ok
    client.force_login(alice)
    page = client.get(reverse("inspections:round_detail", args=[draw_round.pk])).content.decode()
    assert f"{EXCLUSION_LABELS['observation']}：3" in page


def test_it_draws_a_target_whose_observation_period_has_ended_or_not_begun(alice: User) -> None:
    assert alice.department is not None
    ended, future = make_targets(2, alice.department, tiers="A")
    today = timezone.localdate()
    services.observation_set(
        target=ended,
        starts_on=today - dt.timedelta(days=100),
        ends_on=today - dt.timedelta(days=1),
        reason="新业态",
        user=alice,
    )
    services.observation_set(
        target=future,
        starts_on=today + dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=100),
        reason="新业态",
        user=alice,
    )
    task = make_task(alice.department, uses_tiers=False, percent="100")

    draw_round = _drawn(task, alice)

    assert draw_round.exclusions == {}
    assert set(DrawnTarget.objects.filter(round=draw_round).values_list("target_id", flat=True)) == {
        ended.pk,
        future.pk,
    }


def test_it_draws_a_target_in_observation_whose_tier_has_since_risen_to_c(alice: User) -> None:
    assert alice.department is not None
    (target,) = make_targets(1, alice.department, tiers="B")
    today = timezone.localdate()
    services.observation_set(
        target=target, starts_on=today, ends_on=today + dt.timedelta(days=30), reason="新业态", user=alice
    )
    services.tier_set(target=target, tier="C", reason="投诉举报较多", user=alice, assessed_on=today)
    task = make_task(alice.department, uses_tiers=False, percent="100")

    draw_round = _drawn(task, alice)

    assert draw_round.exclusions == {}
    assert DrawnTarget.objects.filter(round=draw_round, target=target).exists()
