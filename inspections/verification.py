"""Recompute a stored draw from its files and compare: `manage.py verify_draw` and the public page."""

from __future__ import annotations

from inspections import drawing
from inspections.models import DrawnTarget, DrawRound
from inspections.population import read_bytes, read_file


def verify_round(draw_round: DrawRound) -> drawing.Verdict:
    """The full check (auditors' layer): files, digests, commitment, seed, selection per tier, stored rows."""
    problems: list[str] = []
    published = drawing.parse_population(read_file(draw_round, "drawn.txt"))
    # order_by(): the default ordering of drawn rows joins round, task, plan and department.
    stored = list(DrawnTarget.objects.filter(round=draw_round).order_by().values_list("key", "tier"))
    if sorted(k for k, _t in stored) != sorted(published):
        problems.append("the drawn keys file differs from the drawn rows in the database")
    counts = {t: int(n) for t, n in draw_round.counts.items()}
    verdict = drawing.verify_files(
        task=str(draw_round.task_id),
        round_no=draw_round.round_no,
        population_file=read_bytes(draw_round, "population.txt.gz"),
        published_commitment=draw_round.commitment,
        secret=draw_round.secret,
        entropy=draw_round.entropy,
        tiers_digest=draw_round.tiers_digest,
        selected=[k for k, _t in stored],
        counts=counts,
        tiers_file=read_bytes(draw_round, "tiers.txt.gz"),
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
    # The selection was recomputed from the tiers file (when nothing above failed): each drawn
    # row must carry the tier of that file.
    tier_of = {key: tier for tier, keys in verdict.selection.items() for key in keys}
    if verdict.selection and any(tier_of.get(k) != t for k, t in stored):
        problems.append("a drawn row's tier differs from the tiers file")
    return drawing.Verdict(ok=not problems, problems=problems)
