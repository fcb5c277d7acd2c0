"""The verifiable draw, in the spirit of RFC 3797. Standard library only.

This module is also the standalone verifier the public downloads: it must keep
importing nothing but the standard library, so that anyone with Python can run

    python drawing.py population.txt --task 12 --round 1 --secret ... --entropy ...

and see whether the published selection is the one the seed gives.

The steps:
1. The population (the objects in scope, frozen at draw time) is listed one key per
   line, sorted; its digest is SHA-256 over that text. When credit tiers are used, a
   second list, "key<TAB>tier", is committed by its own digest: the public sees only
   the digest, auditors get the file.
2. Before the draw a random secret is generated and only SHA-256(secret) is published
   (the commitment). Public entropy (a lottery number, a value a witness types) may be
   added at the draw.
3. seed = SHA-256 over task, round, both digests, the secret and the entropy.
4. Each object's ticket is SHA-256(seed ":" key); within each tier, the objects with
   the lowest tickets are drawn.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import secrets
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

UNTIERED = "-"
FORMAT_VERSION = "ssj-draw-1"


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return secrets.token_hex(32)


def commitment(secret: str) -> str:
    return sha256_hex(secret)


def population_text(keys: Iterable[str]) -> str:
    """The public population file: sorted keys, one per line, each line ending in a newline."""
    ordered = sorted(keys)
    if len(set(ordered)) != len(ordered):
        raise ValueError("population keys must be unique")
    for key in ordered:
        if not key or any(c in key for c in "\t\r\n"):
            raise ValueError(f"invalid key {key!r}")
    return "".join(f"{key}\n" for key in ordered)


def tiers_text(tiers: Mapping[str, str]) -> str:
    """The auditors' file: "key<TAB>tier" per line, sorted by key."""
    return "".join(f"{key}\t{tiers[key]}\n" for key in sorted(tiers))


def parse_population(text: str) -> list[str]:
    return [line for line in text.split("\n") if line]


def parse_tiers(text: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for line in text.split("\n"):
        if line:
            key, tier = line.split("\t")
            result[key] = tier
    return result


def seed_for(*, task: str, round_no: int, population_digest: str, tiers_digest: str, secret: str, entropy: str) -> str:
    material = "|".join(
        [
            FORMAT_VERSION,
            f"task={task}",
            f"round={round_no}",
            f"population={population_digest}",
            f"tiers={tiers_digest}",
            f"secret={secret}",
            f"entropy={entropy}",
        ]
    )
    return sha256_hex(material)


def ticket(seed: str, key: str) -> str:
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def select(seed: str, tiers: Mapping[str, str], counts: Mapping[str, int]) -> dict[str, list[str]]:
    """Per tier, the `counts[tier]` keys with the lowest tickets, in ticket order."""
    by_tier: dict[str, list[str]] = {}
    for key, tier in tiers.items():
        by_tier.setdefault(tier, []).append(key)
    chosen: dict[str, list[str]] = {}
    for tier, wanted in counts.items():
        members = by_tier.get(tier, [])
        if wanted < 0 or wanted > len(members):
            raise ValueError(f"tier {tier}: cannot draw {wanted} of {len(members)}")
        # Ties are impossible in practice (SHA-256), but the key breaks them deterministically.
        chosen[tier] = [key for _t, key in heapq.nsmallest(wanted, ((ticket(seed, k), k) for k in members))]
    return chosen


@dataclass
class Draw:
    task: str
    round_no: int
    population_digest: str
    tiers_digest: str
    commitment: str
    secret: str
    entropy: str
    seed: str
    counts: dict[str, int]
    selected: dict[str, list[str]] = field(default_factory=dict)


def run(
    *,
    task: str,
    round_no: int,
    tiers: Mapping[str, str],
    counts: Mapping[str, int],
    secret: str,
    entropy: str = "",
) -> Draw:
    """Draw from a population given as key -> tier (UNTIERED for a draw without tiers)."""
    population_digest = sha256_hex(population_text(tiers.keys()))
    tiers_digest = sha256_hex(tiers_text(tiers))
    seed = seed_for(
        task=task,
        round_no=round_no,
        population_digest=population_digest,
        tiers_digest=tiers_digest,
        secret=secret,
        entropy=entropy,
    )
    return Draw(
        task=task,
        round_no=round_no,
        population_digest=population_digest,
        tiers_digest=tiers_digest,
        commitment=commitment(secret),
        secret=secret,
        entropy=entropy,
        seed=seed,
        counts=dict(counts),
        selected=select(seed, tiers, counts),
    )


@dataclass
class Verdict:
    ok: bool
    problems: list[str]


def verify(
    *,
    task: str,
    round_no: int,
    population: Sequence[str],
    published_commitment: str,
    secret: str,
    entropy: str,
    tiers_digest: str,
    selected: Sequence[str],
    tiers: Mapping[str, str] | None = None,
    counts: Mapping[str, int] | None = None,
) -> Verdict:
    """Recompute a draw from published material.

    Without `tiers` (the public layer of a tiered draw) it checks the commitment, the
    seed and that every drawn key is in the population. With `tiers` and `counts` (a draw
    without tiers, or an auditor) it also recomputes the whole selection.
    """
    problems: list[str] = []
    population_digest = sha256_hex(population_text(population))
    if commitment(secret) != published_commitment:
        problems.append("the secret does not match the commitment published before the draw")
    if tiers is not None:
        if sorted(tiers) != sorted(population):
            problems.append("the tiers file does not list the same keys as the population file")
        if sha256_hex(tiers_text(tiers)) != tiers_digest:
            problems.append("the tiers file does not match its committed digest")
    seed = seed_for(
        task=task,
        round_no=round_no,
        population_digest=population_digest,
        tiers_digest=tiers_digest,
        secret=secret,
        entropy=entropy,
    )
    members = set(population)
    outside = [key for key in selected if key not in members]
    if outside:
        problems.append(f"drawn keys not in the population: {', '.join(outside[:5])}")
    if tiers is not None and counts is not None and not problems:
        expected = select(seed, tiers, counts)
        expected_keys = sorted(k for keys in expected.values() for k in keys)
        if expected_keys != sorted(selected):
            problems.append("the selection differs from the one the seed gives")
    return Verdict(ok=not problems, problems=problems)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a published random draw (双随机抽查).")
    parser.add_argument("population", help="population file: one key per line")
    parser.add_argument("selected", help="drawn keys file: one key per line")
    parser.add_argument("--task", required=True)
    parser.add_argument("--round", type=int, required=True)
    parser.add_argument("--commitment", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--entropy", default="")
    parser.add_argument("--tiers-digest", required=True)
    parser.add_argument("--tiers", help="auditors' file: key<TAB>tier per line (or all '-' for an untiered draw)")
    parser.add_argument("--count", action="append", default=[], help="tier=count, repeatable (with --tiers)")
    args = parser.parse_args(argv)
    population = parse_population(Path(args.population).read_text(encoding="utf-8"))
    selected = parse_population(Path(args.selected).read_text(encoding="utf-8"))
    tiers = parse_tiers(Path(args.tiers).read_text(encoding="utf-8")) if args.tiers else None
    counts = {c.split("=")[0]: int(c.split("=")[1]) for c in args.count} or None
    verdict = verify(
        task=args.task,
        round_no=args.round,
        population=population,
        published_commitment=args.commitment,
        secret=args.secret,
        entropy=args.entropy,
        tiers_digest=args.tiers_digest,
        selected=selected,
        tiers=tiers,
        counts=counts,
    )
    if verdict.ok:
        print("OK: the draw matches")  # noqa: T201
        return 0
    for problem in verdict.problems:
        print(f"MISMATCH: {problem}")  # noqa: T201
    return 1


if __name__ == "__main__":
    sys.exit(main())
