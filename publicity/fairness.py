"""Fairness of finished draws: within a tier, does the selection lean to a region or an industry?

Pearson's chi-square goodness-of-fit of the drawn counts per cell against the counts expected
if the draw were proportional to the population of the cell. Cells whose expected count
is below 5 are pooled into one, kept if its own expected count is at least 1, else folded
into the smallest cell (Cochran's rule); with fewer than two cells left no test is run.
Flagged when p < `ALPHA`. Standard library only.

`round_fairness_check` reads the round's frozen auditors' file (key and tier of every object in
the population), so the test compares with the population the draw really used, not with
today's registry. It runs in the daily watch for rounds not checked yet, never in a request.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction

from inspections.models import DrawnTarget, DrawRound
from inspections.population import read_file
from publicity.models import Dimension, FairnessCheck
from registries.models import Target

ALPHA = 0.01
MIN_EXPECTED = 5.0
# Cochran's rule: no expected count below 1, and few below 5 (here only the pooled cell).
MIN_POOLED_EXPECTED = 1.0
OTHER = "其他（合并）"


@dataclass(frozen=True)
class ChiSquare:
    statistic: float | None
    dof: int
    p_value: float | None
    cells: list[tuple[str, int, int, float]]  # label, population, drawn, expected

    @property
    def flagged(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA


def _upper_gamma_regularized(a: float, x: float) -> float:
    """Q(a, x) = Γ(a, x) / Γ(a): a series below a + 1, a continued fraction above (Numerical Recipes)."""
    if x <= 0:
        return 1.0
    log_prefix = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        n = a
        for _ in range(1000):
            n += 1
            term *= x / n
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(log_prefix))
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return min(1.0, math.exp(log_prefix) * h)


def chi2_sf(statistic: float, dof: int) -> float:
    """P(X >= statistic) for X ~ chi-square with `dof` degrees of freedom."""
    return _upper_gamma_regularized(dof / 2, statistic / 2)


def chi_square(population: Mapping[str, int], drawn: Mapping[str, int]) -> ChiSquare:
    """Goodness of fit of `drawn` (per cell) to the cells' share of `population`."""
    total_pop = sum(population.values())
    total_drawn = sum(drawn.values())
    if total_pop <= 0 or total_drawn <= 0:
        return ChiSquare(None, 0, None, [])
    big: list[tuple[str, int, int, float]] = []
    pooled_pop = pooled_drawn = 0
    for label in sorted(population, key=lambda k: (-population[k], k)):
        pop = population[label]
        expected = total_drawn * pop / total_pop
        if expected >= MIN_EXPECTED:
            big.append((label, pop, int(drawn.get(label, 0)), expected))
        else:
            pooled_pop += pop
            pooled_drawn += int(drawn.get(label, 0))
    cells = list(big)
    if pooled_pop:
        expected = total_drawn * pooled_pop / total_pop
        if expected >= MIN_POOLED_EXPECTED or not cells:
            cells.append((OTHER, pooled_pop, pooled_drawn, expected))
        else:
            # The pooled rest is still too small: fold it into the smallest cell.
            label, pop, got, exp = cells.pop()
            cells.append((f"{label}、{OTHER}", pop + pooled_pop, got + pooled_drawn, exp + expected))
    if len(cells) < 2:
        return ChiSquare(None, 0, None, cells)
    statistic = sum((got - exp) ** 2 / exp for _l, _p, got, exp in cells)
    dof = len(cells) - 1
    return ChiSquare(statistic, dof, chi2_sf(statistic, dof), cells)


def _attributes(keys: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Key -> (region name, industry) from the registry, in chunks."""
    out: dict[str, tuple[str, str]] = {}
    chunk: list[str] = []

    def flush() -> None:
        rows = (
            Target.objects.filter(credit_code__in=chunk)
            .order_by()
            .values_list("credit_code", "region__name", "industry")
            .union(
                Target.objects.filter(identifier__in=chunk)
                .order_by()
                .values_list("identifier", "region__name", "industry")
            )
        )
        for key, region, industry in rows:
            if key:
                out[key] = (region or "", industry or "")
        chunk.clear()

    for key in keys:
        chunk.append(key)
        if len(chunk) >= 5000:
            flush()
    if chunk:
        flush()
    return out


def _population_by_tier(draw_round: DrawRound) -> dict[str, list[str]]:
    """Tier -> keys of the frozen population (the auditors' file: "key<TAB>tier" per line)."""
    by_tier: dict[str, list[str]] = defaultdict(list)
    for line in read_file(draw_round, "tiers.txt.gz").splitlines():
        key, _sep, tier = line.partition("\t")
        if key:
            by_tier[tier or "-"].append(key)
    return by_tier


@transaction.atomic
def round_fairness_check(*, draw_round: DrawRound) -> list[FairnessCheck]:
    """Store one check per (tier, dimension) of a finished round; run again, it replaces them."""
    by_tier = _population_by_tier(draw_round)
    attrs = _attributes(key for keys in by_tier.values() for key in keys)
    drawn_rows = (
        DrawnTarget.objects.filter(round=draw_round)
        .order_by()
        .values_list("tier", "target__region__name", "target__industry")
    )
    drawn: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for tier, region, industry in drawn_rows:
        drawn[(tier, Dimension.REGION)][region or ""] += 1
        drawn[(tier, Dimension.INDUSTRY)][industry or ""] += 1
    FairnessCheck.objects.filter(round=draw_round).delete()
    checks = []
    for tier, keys in sorted(by_tier.items()):
        for dimension, index in ((Dimension.REGION, 0), (Dimension.INDUSTRY, 1)):
            population = Counter(attrs.get(k, ("", ""))[index] for k in keys)
            got = drawn.get((tier, dimension), Counter())
            test = chi_square(population, got)
            checks.append(
                FairnessCheck(
                    round=draw_round,
                    tier=tier,
                    dimension=dimension,
                    population=len(keys),
                    drawn=min(sum(got.values()), len(keys)),
                    cells=[[label, pop, n, round(exp, 3)] for label, pop, n, exp in test.cells],
                    statistic=test.statistic,
                    dof=test.dof,
                    p_value=test.p_value,
                    flagged=test.flagged,
                )
            )
    return FairnessCheck.objects.bulk_create(checks)
