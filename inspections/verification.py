"""Recompute a stored draw from its files and compare: `manage.py verify_draw` and the auditors.

The auditors' layer: with the tiers file and, for a salted tiered draw, the salts, the
whole selection is recomputed, and every stored drawn row (key, tier, ticket, rank) must
be the one the files give.
"""

from __future__ import annotations

import shlex

from inspections import drawing
from inspections.models import DrawnTarget, DrawRound
from inspections.population import read_bytes, read_file


def verify_round(draw_round: DrawRound) -> drawing.Verdict:
    """The full check: files, digests, commitments, seed, selection per tier, stored rows and their tickets."""
    problems: list[str] = []
    published = drawing.parse_population(read_file(draw_round, "drawn.txt"))
    # order_by(): the default ordering of drawn rows joins round, task, plan and department.
    stored = list(DrawnTarget.objects.filter(round=draw_round).order_by().values_list("key", "tier", "ticket", "rank"))
    if sorted(row[0] for row in stored) != sorted(published):
        problems.append("the drawn keys file differs from the drawn rows in the database")
    counts = {t: int(n) for t, n in draw_round.counts.items()}
    # Tiered rounds are salted; only those finished before salts existed have no salts commitment.
    salted = draw_round.uses_tiers and bool(draw_round.salts_commitment)
    verdict = drawing.verify_files(
        task=str(draw_round.task_id),
        round_no=draw_round.round_no,
        population_file=read_bytes(draw_round, "population.txt.gz"),
        published_commitment=draw_round.commitment,
        secret=draw_round.secret,
        entropy=draw_round.entropy,
        tiers_digest=draw_round.tiers_digest,
        selected=[row[0] for row in stored],
        counts=counts,
        tiers_file=read_bytes(draw_round, "tiers.txt.gz"),
        published_salts_commitment=draw_round.salts_commitment if salted else "",
        salts=draw_round.salts if salted else None,
        published_seed=draw_round.seed,
    )
    problems.extend(verdict.problems)
    if verdict.population_digest != draw_round.population_digest:
        problems.append("the population file does not match the stored population digest")
    # The selection was recomputed from the tiers file (when nothing above failed): each drawn
    # row must carry the tier of that file, the ticket the seed gives and its rank in the tier.
    if verdict.selection:
        tier_of = {key: tier for tier, keys in verdict.selection.items() for key in keys}
        rank_of = {key: rank for keys in verdict.selection.values() for rank, key in enumerate(keys, start=1)}
        if any(tier_of.get(key) != tier for key, tier, _t, _r in stored):
            problems.append("a drawn row's tier differs from the tiers file")
        wrong = [key for key, _tier, ticket, _r in stored if verdict.tickets.get(key) != ticket]
        if wrong:
            problems.append(f"stored tickets differ from the recomputed ones: {', '.join(sorted(wrong)[:5])}")
        if any(rank_of.get(key) != rank for key, _tier, _t, rank in stored):
            problems.append("a drawn row's rank differs from its ticket order in its tier")
    return drawing.Verdict(ok=not problems, problems=problems)


def drawing_args(draw_round: DrawRound) -> list[str]:
    """`python drawing.py` with the round's files and public values: the start of the citizen's
    command (publicity/views_draws.py) and of the auditor's. Quote with shlex when joining."""
    pk = draw_round.pk
    return [
        "python",
        "drawing.py",
        f"draw-{pk}-population.txt",
        f"draw-{pk}-drawn.txt",
        f"--task={draw_round.task_id}",
        f"--round={draw_round.round_no}",
        f"--commitment={draw_round.commitment}",
        f"--secret={draw_round.secret}",
        f"--entropy={draw_round.entropy}",
        f"--tiers-digest={draw_round.tiers_digest}",
        f"--seed={draw_round.seed}",
    ]


def auditor_command(draw_round: DrawRound) -> str:
    """The shell lines an auditor runs to recompute the whole draw, salts and tiers included (every value quoted)."""
    pk = draw_round.pk
    population, tiers = f"draw-{pk}-population.txt", f"draw-{pk}-tiers.txt"
    args = [*drawing_args(draw_round), f"--tiers={tiers}"]
    if draw_round.uses_tiers and draw_round.salts_commitment:
        args += [f"--salts-commitment={draw_round.salts_commitment}", f"--salts={drawing.salts_text(draw_round.salts)}"]
    args += [f"--count={tier}={n}" for tier, n in sorted(draw_round.counts.items())]
    return "\n".join([shlex.join(["gunzip", f"{population}.gz", f"{tiers}.gz"]), shlex.join(args)])
