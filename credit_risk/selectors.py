"""Reads of the credit-risk app. Tiers are internal: only staff who plan draws may call these for display."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from credit_risk.allocation import ALL_TIERS, NONE
from credit_risk.models import CurrentTier, ObservationPeriod, RiskSignal, RiskWarning, TierAssessment, TierPolicy
from registries.models import Target


def tier_counts(targets: QuerySet[Target]) -> dict[str, int]:
    """Population per tier ("none" for unassessed or unclassified targets): one GROUP BY query."""
    counts = dict.fromkeys(ALL_TIERS, 0)
    rows = targets.order_by().values("current_tier__tier").annotate(n=Count("id"))
    for row in rows:
        counts[row["current_tier__tier"] or NONE] += row["n"]
    return counts


def current_tier(target: Target) -> CurrentTier | None:
    return CurrentTier.objects.filter(target=target).select_related("assessment").first()


def tier_history(target: Target) -> QuerySet[TierAssessment]:
    return TierAssessment.objects.filter(target=target).select_related("created_by")


def observation_periods(target: Target) -> QuerySet[ObservationPeriod]:
    return ObservationPeriod.objects.filter(target=target).select_related("created_by")


def risk_signals(target: Target) -> QuerySet[RiskSignal]:
    """What the tier review should weigh: e.g. inspections that found problems, newest first."""
    return RiskSignal.objects.filter(target=target).order_by("-occurred_on", "-id")


def warning_population(kind: str) -> QuerySet[Target]:
    """The targets currently in one risk-warning population."""
    return Target.objects.filter(
        id__in=RiskWarning.objects.filter(kind=kind, removed_on__isnull=True).values("target_id")
    )


def warning_counts() -> dict[str, int]:
    rows = RiskWarning.objects.filter(removed_on__isnull=True).values("kind").annotate(n=Count("id"))
    return {row["kind"]: row["n"] for row in rows}


def policy_list() -> QuerySet[TierPolicy]:
    return TierPolicy.objects.all()
