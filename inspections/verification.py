"""Recompute a stored draw from its files and compare: `manage.py verify_draw` and the public page."""

from __future__ import annotations

from bisect import bisect_left

from inspections import drawing
from inspections.models import DrawnTarget, DrawRound
from inspections.population import read_file


def verify_round(draw_round: DrawRound) -> drawing.Verdict:
    """The full check (auditors' layer): files, digests, commitment, seed, selection per tier, stored rows."""
    problems: list[str] = []
    population = drawing.parse_population(read_file(draw_round, "population.txt.gz"))
    tier_keys, tier_list = drawing.split_tiers(read_file(draw_round, "tiers.txt.gz"))
    if not drawing.strictly_increasing(tier_keys):  # the stored file is sorted; a damaged one may not be
        pairs = sorted(zip(tier_keys, tier_list, strict=True))
        tier_keys, tier_list = [k for k, _t in pairs], [t for _k, t in pairs]
    published = drawing.parse_population(read_file(draw_round, "drawn.txt"))
    # order_by(): the default ordering of drawn rows joins round, task, plan and department.
    stored = list(DrawnTarget.objects.filter(round=draw_round).order_by().values_list("key", "tier"))
    if sorted(k for k, _t in stored) != sorted(published):
        problems.append("the drawn keys file differs from the drawn rows in the database")
    counts = {t: int(n) for t, n in draw_round.counts.items()}
    verdict = drawing.verify(
        task=str(draw_round.task_id),
        round_no=draw_round.round_no,
        population=population,
        published_commitment=draw_round.commitment,
        secret=draw_round.secret,
        entropy=draw_round.entropy,
        tiers_digest=draw_round.tiers_digest,
        selected=[k for k, _t in stored],
        counts=counts,
        tier_rows=(tier_keys, tier_list),
    )
    problems.extend(verdict.problems)
    if verdict.population_digest != draw_round.population_digest:
        problems.append("the population file does not match the stored population digest")
    seed = drawing.seed_for(
        task=str(draw_round.task_id),
        round_no=draw_round.round_no,
        population_digest=draw_round.population_digest,
        tiers_digest=draw_round.tiers_digest,
        secret=draw_round.secret,
        entropy=draw_round.entropy,
    )
    if seed != draw_round.seed:
        problems.append("the stored seed is not the one its inputs give")
    if any(_tier_of(tier_keys, tier_list, k) != t for k, t in stored):
        problems.append("a drawn row's tier differs from the tiers file")
    return drawing.Verdict(ok=not problems, problems=problems)


def _tier_of(keys: list[str], tiers: list[str], key: str) -> str | None:
    """The tier of `key` in the tiers file's sorted keys (None when absent)."""
    i = bisect_left(keys, key)
    return tiers[i] if i < len(keys) and keys[i] == key else None
