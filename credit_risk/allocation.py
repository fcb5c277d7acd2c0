"""How many objects a task draws from each credit-risk tier: one pure function.

`allocate(population, spec, policy)` turns the population per tier, the task's ratio
spec and a tier policy into the count per tier. It guarantees, for every input:

- the total is at least 3, or the whole population when it has fewer than 3 objects;
- no tier gets more than its population;
- the realised rates (count / population) never decrease from A to D;
- the total is the rounded total of the exact per-tier quotas (the rounding of the
  parts never changes the total).

Everything here is exact (Fractions); no database, no Django.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

MIN_DRAW = 3
# The ordered tiers, lowest risk first; "none" is unclassified and has no place in the order.
ORDERED_TIERS = ("A", "B", "C", "D")
NONE = "none"
ALL_TIERS = (*ORDERED_TIERS, NONE)


class RatioKind(StrEnum):
    PERCENT = "percent"  # 40%
    AT_LEAST = "at_least"  # 不低于5%
    COUNT = "count"  # 20户
    WARNING_MODEL = "warning_model"  # 根据预警设定监测情况比例


@dataclass(frozen=True)
class RatioSpec:
    """A task's sampling ratio: a percent, an "at least" percent, a fixed count, or the warning model's."""

    kind: RatioKind
    percent: Decimal | None = None
    count: int | None = None
    times_per_year: int | None = None

    def __post_init__(self) -> None:
        if self.kind in (RatioKind.PERCENT, RatioKind.AT_LEAST) and (
            self.percent is None or not (0 <= self.percent <= 100)
        ):
            raise ValueError("percent must be within 0..100")
        if self.kind == RatioKind.COUNT and (self.count is None or self.count < 0):
            raise ValueError("count must be a non-negative integer")
        if self.times_per_year is not None and self.times_per_year < 1:
            raise ValueError("times_per_year must be positive")


@dataclass(frozen=True)
class TierRule:
    """rate = clamp(base * weight, min, max), all in percent."""

    weight: Decimal = Decimal(1)
    min_percent: Decimal = Decimal(0)
    max_percent: Decimal = Decimal(100)
    max_times_per_year: int | None = None


@dataclass(frozen=True)
class PolicySpec:
    rules: Mapping[str, TierRule] = field(default_factory=dict)
    # The base percent of tasks whose ratio the warning model sets (non-directed: at least 3%).
    warning_percent: Decimal = Decimal(3)

    def rule(self, tier: str) -> TierRule:
        return self.rules.get(tier, TierRule())


@dataclass(frozen=True)
class Allocation:
    population: dict[str, int]
    rates: dict[str, Fraction]  # the policy's rate per tier (non-decreasing A->D)
    counts: dict[str, int]

    @property
    def total_population(self) -> int:
        return sum(self.population.values())

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _percent(value: Decimal | int) -> Fraction:
    return Fraction(str(value)) / 100


def tier_rates(spec: RatioSpec, policy: PolicySpec, total_population: int) -> dict[str, Fraction]:
    """The policy's rate per tier for this spec: clamped, then made non-decreasing from A to D."""
    if spec.kind in (RatioKind.PERCENT, RatioKind.AT_LEAST):
        base = _percent(spec.percent or 0)
    elif spec.kind == RatioKind.COUNT:
        base = Fraction(min(spec.count or 0, total_population), total_population) if total_population else Fraction(0)
    else:
        base = _percent(policy.warning_percent)
    rates: dict[str, Fraction] = {}
    running = Fraction(0)
    for tier in ALL_TIERS:
        rule = policy.rule(tier)
        rate = base * Fraction(str(rule.weight))
        rate = max(_percent(rule.min_percent), min(_percent(rule.max_percent), rate))
        rate = max(Fraction(0), min(Fraction(1), rate))
        if tier != NONE:
            running = max(running, rate)
            rate = running
        rates[tier] = rate
    return rates


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def _target_total(spec: RatioSpec, quotas: Mapping[str, Fraction], total_population: int) -> int:
    if spec.kind == RatioKind.COUNT:
        total = min(spec.count or 0, total_population)
    elif spec.kind == RatioKind.AT_LEAST:
        total = math.ceil(sum(quotas.values(), Fraction(0)))
    else:
        total = _round_half_up(sum(quotas.values(), Fraction(0)))
    return max(min(MIN_DRAW, total_population), min(total, total_population))


def _scale_to(total: int, population: Mapping[str, int], rates: Mapping[str, Fraction]) -> dict[str, Fraction]:
    """Exact quotas summing to `total`, each tier's proportional to population x rate, never above its population.

    Tiers whose scaled rate would reach 1 are capped at their population and the rest is
    spread over the others (water filling); the highest rates are capped first, so the
    rates stay non-decreasing.
    """
    quotas = {t: Fraction(0) for t in population}
    open_tiers = {t for t in population if population[t] > 0}
    if sum((population[t] * rates[t] for t in open_tiers), Fraction(0)) == 0:
        # No rate at all (e.g. a 0% policy lifted to the minimum of 3): one rate for all.
        rates = dict.fromkeys(population, Fraction(1))
    remaining = Fraction(total)
    while open_tiers and remaining > 0:
        weight = sum((population[t] * rates[t] for t in open_tiers), Fraction(0))
        if weight == 0:
            # Only zero-rate tiers are left and objects are still due: one rate for those.
            rates = {**rates, **dict.fromkeys(open_tiers, Fraction(1))}
            continue
        factor = remaining / weight
        capped = {t for t in open_tiers if rates[t] * factor >= 1}
        if not capped:
            for t in open_tiers:
                quotas[t] = population[t] * rates[t] * factor
            break
        for t in capped:
            quotas[t] = Fraction(population[t])
            remaining -= population[t]
        open_tiers -= capped
    return quotas


def _round_keeping_total(quotas: Mapping[str, Fraction], total: int) -> dict[str, int]:
    """Largest remainders (Hamilton): each count is its quota rounded down or up; the sum is `total`."""
    counts = {t: math.floor(q) for t, q in quotas.items()}
    leftover = total - sum(counts.values())
    order = sorted(quotas, key=lambda t: (quotas[t] - counts[t], ALL_TIERS.index(t)), reverse=True)
    for t in order[:leftover]:
        counts[t] += 1
    return counts


def _make_rates_monotone(counts: dict[str, int], population: Mapping[str, int]) -> dict[str, int]:
    """Move single objects up the risk order until realised rates never decrease from A to D.

    Each move takes one object from a lower-risk tier with a higher realised rate to the
    next populated tier above it; objects only ever move upwards, so this terminates, and
    it stops with no adjacent violation, hence none at all. The total never changes.
    """
    tiers = [t for t in ORDERED_TIERS if population.get(t, 0) > 0]
    changed = True
    while changed:
        changed = False
        for low, high in itertools.pairwise(tiers):
            # counts[low]/pop[low] > counts[high]/pop[high], compared without division
            while counts[low] * population[high] > counts[high] * population[low]:
                counts[low] -= 1
                counts[high] += 1
                changed = True
    return counts


def allocate(population: Mapping[str, int], spec: RatioSpec, policy: PolicySpec) -> Allocation:
    """The count to draw per tier (A, B, C, D and "none" for unclassified objects)."""
    pop = {t: int(population.get(t, 0)) for t in ALL_TIERS}
    if any(n < 0 for n in pop.values()):
        raise ValueError("population must not be negative")
    total_population = sum(pop.values())
    rates = tier_rates(spec, policy, total_population)
    if total_population < MIN_DRAW:
        return Allocation(population=pop, rates=rates, counts=dict(pop))
    quotas = {t: pop[t] * rates[t] for t in ALL_TIERS}
    total = _target_total(spec, quotas, total_population)
    scaled = _scale_to(total, pop, rates)
    counts = _round_keeping_total(scaled, total)
    counts = _make_rates_monotone(counts, pop)
    return Allocation(population=pop, rates=rates, counts=counts)


def describe(allocation: Allocation) -> str:
    """A one-line explanation for the UI in the user's language, e.g. "B 5%（12/240）：共抽取 12 / 240"."""
    parts = []
    for tier in ALL_TIERS:
        if allocation.population.get(tier):
            label = _("未分类") if tier == NONE else tier
            percent = allocation.rates[tier] * 100
            parts.append(
                _("%(tier)s %(percent)s（%(drawn)s/%(population)s）")
                % {
                    "tier": label,
                    "percent": f"{float(percent):.4g}%",
                    "drawn": allocation.counts[tier],
                    "population": allocation.population[tier],
                }
            )
    summary = pgettext("punctuation", "，").join(parts) if parts else _("范围内没有对象")
    return _("%(summary)s：共抽取 %(total)s / %(population)s") % {
        "summary": summary,
        "total": allocation.total,
        "population": allocation.total_population,
    }
