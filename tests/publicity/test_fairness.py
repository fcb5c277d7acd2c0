"""Within a tier, a draw must not lean to a region or an industry: chi-square, flagged at p < 0.01."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publicity.fairness import OTHER, chi2_sf, chi_square, round_fairness_check
from publicity.models import Dimension, FairnessCheck
from tests.publicity.conftest import County


@pytest.mark.parametrize(
    ("statistic", "dof", "p"),
    [(3.841459, 1, 0.05), (6.634897, 1, 0.01), (9.210340, 2, 0.01), (11.344867, 3, 0.01), (30.577914, 15, 0.01)],
)
def test_it_matches_the_chi_square_table(statistic: float, dof: int, p: float) -> None:
    assert chi2_sf(statistic, dof) == pytest.approx(p, rel=1e-5)


def test_it_gives_probability_one_at_zero_and_falls_with_the_statistic() -> None:
    assert chi2_sf(0.0, 4) == 1.0
    values = [chi2_sf(x, 4) for x in (1, 2, 5, 10, 20, 50)]
    assert values == sorted(values, reverse=True)
    assert values[-1] < 1e-8


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=50, max_value=5000), min_size=2, max_size=8),
    percent=st.integers(min_value=5, max_value=60),
)
def test_it_never_flags_a_draw_proportional_to_the_population(sizes: list[int], percent: int) -> None:
    population = {f"区域{i}": n for i, n in enumerate(sizes)}
    drawn = {k: math.floor(n * percent / 100) for k, n in population.items()}
    test = chi_square(population, drawn)
    assert not test.flagged
    assert sum(c[2] for c in test.cells) == sum(drawn.values())


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=200, max_value=5000), min_size=2, max_size=8),
    drawn_total=st.integers(min_value=40, max_value=150),
)
def test_it_flags_a_draw_taken_from_one_cell_only(sizes: list[int], drawn_total: int) -> None:
    population = {f"区域{i}": n for i, n in enumerate(sizes)}
    smallest = min(population, key=lambda k: (population[k], k))
    if population[smallest] * 2 > sum(sizes):
        return  # one cell holds most of the population: taking all from it is no lean
    test = chi_square(population, {smallest: drawn_total})
    assert test.flagged and test.p_value is not None and test.p_value < 0.01


def test_it_pools_cells_too_small_to_test() -> None:
    population = {"凤城镇": 900, "北留镇": 80, "润城镇": 10, "町店镇": 10}
    test = chi_square(population, {"凤城镇": 45, "北留镇": 4, "润城镇": 1})
    # 北留镇 (expected 4), 润城镇 and 町店镇 (0.5 each) are pooled: expected 5 together.
    assert [(c[0], c[1], c[2]) for c in test.cells] == [("凤城镇", 900, 45), (OTHER, 100, 5)]
    assert test.dof == 1
    assert not test.flagged


def test_it_does_not_test_a_single_cell() -> None:
    test = chi_square({"凤城镇": 100}, {"凤城镇": 10})
    assert test.statistic is None and test.p_value is None and not test.flagged


@pytest.mark.django_db
def test_it_checks_a_finished_round_against_its_frozen_population(county: County) -> None:
    checks = round_fairness_check(draw_round=county.rounds[0])
    by_key = {(c.tier, c.dimension): c for c in checks}
    assert set(by_key) == {(t, d) for t in "ABCD" for d in (Dimension.REGION, Dimension.INDUSTRY)}
    # 100% drawn: realised equals the population everywhere, nothing to flag.
    assert by_key[("B", Dimension.REGION)].population == 4 and by_key[("B", Dimension.REGION)].drawn == 4
    assert not any(c.flagged for c in checks)
    round_fairness_check(draw_round=county.rounds[0])
    assert FairnessCheck.objects.filter(round=county.rounds[0]).count() == 8  # replaced, not added
