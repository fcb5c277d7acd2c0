"""The per-tier count function: each promised property, over generated populations, specs and policies."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from credit_risk.allocation import (
    ALL_TIERS,
    ORDERED_TIERS,
    PolicySpec,
    RatioKind,
    RatioSpec,
    TierRule,
    allocate,
    describe,
)
from credit_risk.services import PRESETS

populations = st.fixed_dictionaries({t: st.integers(0, 5000) | st.integers(0, 5) for t in ALL_TIERS})
percents = st.decimals(min_value=0, max_value=100, places=2)
specs = st.one_of(
    st.builds(RatioSpec, kind=st.sampled_from([RatioKind.PERCENT, RatioKind.AT_LEAST]), percent=percents),
    st.builds(RatioSpec, kind=st.just(RatioKind.COUNT), count=st.integers(0, 20_000)),
    st.builds(RatioSpec, kind=st.just(RatioKind.WARNING_MODEL)),
)


@st.composite
def tier_rules(draw: st.DrawFn) -> TierRule:
    low = draw(percents)
    high = draw(st.decimals(min_value=low, max_value=100, places=2))
    return TierRule(weight=draw(st.decimals(min_value=0, max_value=10, places=2)), min_percent=low, max_percent=high)


policies = st.builds(
    PolicySpec,
    rules=st.fixed_dictionaries({t: tier_rules() for t in ALL_TIERS}),
    warning_percent=percents,
)


def _exact_total(population: dict[str, int], spec: RatioSpec, policy: PolicySpec) -> int:
    allocation = allocate(population, spec, policy)
    n = sum(population.values())
    quota = sum((population[t] * allocation.rates[t] for t in ALL_TIERS), Fraction(0))
    if spec.kind == RatioKind.COUNT:
        wanted = min(spec.count or 0, n)
    elif spec.kind == RatioKind.AT_LEAST:
        wanted = math.ceil(quota)
    else:
        wanted = math.floor(quota + Fraction(1, 2))
    return max(min(3, n), min(wanted, n))


@given(populations, specs, policies)
def test_it_draws_at_least_three_or_everything_when_fewer(
    population: dict[str, int], spec: RatioSpec, policy: PolicySpec
) -> None:
    allocation = allocate(population, spec, policy)
    n = sum(population.values())
    if n < 3:
        assert allocation.counts == population
    else:
        assert allocation.total >= 3


@given(populations, specs, policies)
def test_it_never_draws_more_than_a_tier_holds(population: dict[str, int], spec: RatioSpec, policy: PolicySpec) -> None:
    allocation = allocate(population, spec, policy)
    for tier in ALL_TIERS:
        assert 0 <= allocation.counts[tier] <= population[tier]


@given(populations, specs, policies)
def test_it_keeps_policy_rates_non_decreasing_from_a_to_d(
    population: dict[str, int], spec: RatioSpec, policy: PolicySpec
) -> None:
    rates = [allocate(population, spec, policy).rates[t] for t in ORDERED_TIERS]
    assert rates == sorted(rates)


@given(populations, specs, policies)
def test_it_keeps_drawn_rates_non_decreasing_from_a_to_d(
    population: dict[str, int], spec: RatioSpec, policy: PolicySpec
) -> None:
    allocation = allocate(population, spec, policy)
    realised = [Fraction(allocation.counts[t], population[t]) for t in ORDERED_TIERS if population[t]]
    assert realised == sorted(realised)


@given(populations, specs, policies)
def test_it_rounds_the_parts_without_changing_the_total(
    population: dict[str, int], spec: RatioSpec, policy: PolicySpec
) -> None:
    assert allocate(population, spec, policy).total == _exact_total(population, spec, policy)


def test_it_applies_the_province_preset_rates() -> None:
    _description, rules = PRESETS["省级四档比例（2021）"]
    policy = PolicySpec(
        rules={t: TierRule(Decimal(r["weight"]), Decimal(r["min"]), Decimal(r["max"])) for t, r in rules.items()}
    )
    allocation = allocate({"A": 1000, "B": 500, "C": 100, "D": 50}, RatioSpec(RatioKind.PERCENT, Decimal(5)), policy)
    assert allocation.counts == {"A": 10, "B": 10, "C": 10, "D": 15, "none": 0}
    assert describe(allocation) == "A 1%（10/1000），B 2%（10/500），C 10%（10/100），D 30%（15/50）：共抽取 45 / 1650"


def test_it_keeps_the_city_preset_within_its_bands() -> None:
    _description, rules = PRESETS["市级分档区间"]
    policy = PolicySpec(
        rules={t: TierRule(Decimal(r["weight"]), Decimal(r["min"]), Decimal(r["max"])) for t, r in rules.items()}
    )
    allocation = allocate({"A": 1000, "B": 200, "C": 100, "D": 100}, RatioSpec(RatioKind.PERCENT, Decimal(4)), policy)
    assert allocation.rates["A"] == Fraction(4, 100)
    assert allocation.rates["B"] == Fraction(8, 100)
    assert allocation.rates["C"] == Fraction(21, 100)  # 16% lifted to the band's floor
    assert allocation.rates["D"] == Fraction(61, 100)
    assert allocation.counts == {"A": 40, "B": 16, "C": 21, "D": 61, "none": 0}


def test_it_draws_all_of_a_tiny_population_and_three_of_a_small_one() -> None:
    spec = RatioSpec(RatioKind.PERCENT, Decimal(1))
    assert allocate({"B": 2}, spec, PolicySpec()).counts["B"] == 2
    assert allocate({"A": 5, "D": 5}, spec, PolicySpec()).total == 3


def test_it_gives_a_fixed_count_of_twenty() -> None:
    allocation = allocate({"A": 100, "B": 100, "C": 0, "D": 10}, RatioSpec(RatioKind.COUNT, count=20), PolicySpec())
    assert allocation.total == 20
