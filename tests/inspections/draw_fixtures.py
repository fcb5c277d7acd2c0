"""Builders for the draw, matching and visit tests: tiered targets, tasks, officers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from credit_risk.models import CurrentTier, TierAssessment, TierPolicy, TierSource
from plans.models import Plan, PlanStatus, RatioKind, Task, TaskType
from registries.models import Department, Inspector, Target
from tests.factories import InspectorFactory, TargetFactory

YEAR = dt.date.today().year
TIER_CYCLE = "AABBBBCD"


def make_targets(n: int, department: Department, *, tiers: str = TIER_CYCLE, start: int = 0) -> list[Target]:
    """n enterprises of the department with valid credit codes, tiers cycling through `tiers`."""
    targets = [TargetFactory(department=department, region=department.region) for _ in range(n)]
    for i, target in enumerate(targets, start=start):
        tier = tiers[i % len(tiers)]
        if tier == "-":
            continue
        assessment = TierAssessment.objects.create(
            target=target, tier=tier, source=TierSource.IMPORT, assessed_on=dt.date(YEAR, 1, 5)
        )
        CurrentTier.objects.create(target=target, tier=tier, assessment=assessment, assessed_on=dt.date(YEAR, 1, 5))
    return targets


def make_task(
    owner: Department,
    *,
    number: int = 1,
    uses_tiers: bool = True,
    percent: str = "20",
    policy: TierPolicy | None = None,
    task_type: str = TaskType.INTERNAL,
    start_month: int = 3,
    end_month: int = 10,
    times_per_year: int = 1,
) -> Task:
    plan, _ = Plan.objects.get_or_create(
        owner=owner, year=YEAR, defaults={"title": f"{owner.name}{YEAR}年度抽查计划", "status": PlanStatus.PUBLISHED}
    )
    return Task.objects.create(
        plan=plan,
        number=number,
        name=f"粮食收购企业监督检查{number}",
        scope_kinds=["enterprise"],
        scope_region=owner.region,
        ratio_kind=RatioKind.PERCENT,
        ratio_percent=Decimal(percent),
        times_per_year=times_per_year,
        uses_tiers=uses_tiers,
        policy=policy,
        start_month=start_month,
        end_month=end_month,
        initiator=owner,
        task_type=task_type,
    )


def make_officers(n: int, department: Department) -> list[Inspector]:
    return [
        InspectorFactory(
            department=department, region=department.region, id_number="140522198001011234", phone="13935612345"
        )
        for _ in range(n)
    ]
