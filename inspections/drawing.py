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
import operator
import secrets
import sys
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
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
    return _population_text(sorted(keys))


def _population_text(ordered: Sequence[str], *, unique: bool = False) -> str:
    """`ordered` must be sorted; `unique=True` when the caller knows the keys are (a dict's keys)."""
    text = "\n".join(ordered) + "\n" if ordered else ""
    # Checked on the whole text at once: a per-key check costs seconds over a million keys.
    if "\t" in text or "\r" in text or text.count("\n") != len(ordered) or (ordered and not ordered[0]):
        bad = next(key for key in ordered if not key or any(c in key for c in "\t\r\n"))
        raise ValueError(f"invalid key {bad!r}")
    # Sorted, so a duplicate sits next to its twin: one C-level pass, no million-entry set.
    if not unique and any(map(operator.eq, ordered, islice(ordered, 1, None))):
        raise ValueError("population keys must be unique")
    return text


def tiers_text(tiers: Mapping[str, str]) -> str:
    """The auditors' file: "key<TAB>tier" per line, sorted by key."""
    ordered = sorted(tiers)
    return _tiers_text(ordered, list(map(tiers.__getitem__, ordered)))


def _tiers_text(ordered: Sequence[str], tier_list: Sequence[str]) -> str:
    if not ordered:
        return ""
    return "\n".join(map("\t".join, zip(ordered, tier_list, strict=True))) + "\n"


def parse_population(text: str) -> list[str]:
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines if "" not in lines else [line for line in lines if line]


def parse_tiers(text: str) -> dict[str, str]:
    keys, tier_list = split_tiers(text)
    return dict(zip(keys, tier_list, strict=True))


def split_tiers(text: str) -> tuple[list[str], list[str]]:
    """The keys and the tiers of a tiers file, in file order.

    Fast path: split on both separators at once and check that writing the halves back
    gives the same text (one "key<TAB>tier" per line); otherwise parse line by line.
    """
    parts = text.replace("\n", "\t").split("\t")
    if parts[-1] == "":
        parts.pop()
    keys, tier_list = parts[0::2], parts[1::2]
    if len(keys) == len(tier_list) and _tiers_text(keys, tier_list) == text:
        return keys, tier_list
    keys, tier_list = [], []
    for line in text.split("\n"):
        if line:
            key, tier = line.split("\t")
            keys.append(key)
            tier_list.append(tier)
    return keys, tier_list


def strictly_increasing(keys: Sequence[str]) -> bool:
    """Strictly increasing: sorted and without duplicates, as the published files are."""
    return not any(map(operator.ge, keys, islice(keys, 1, None)))


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
    ordered = sorted(tiers)
    return _select_sorted(seed, ordered, list(map(tiers.__getitem__, ordered)), counts)


def _select_sorted(
    seed: str,
    ordered: Sequence[str],
    tier_list: Sequence[str],
    counts: Mapping[str, int],
    encoded: Sequence[bytes] | None = None,
) -> dict[str, list[str]]:
    """`select` over sorted keys and their tiers, in one pass over the population.

    The same result as `lowest_tickets` per tier (ties broken by the key, i.e. by the
    position in `ordered`): every key is hashed once, and only the tickets below its
    tier's threshold are kept; a tier left with too few below it is recomputed in full.
    `encoded` are the keys as UTF-8 bytes when the caller already has them (split from
    the encoded population file: one C-level call instead of a million encodes).
    """
    if encoded is None:
        encoded = [key.encode() for key in ordered]
    positions, _tickets = _lowest_positions(seed, tier_list, counts, encoded)
    return {tier: [ordered[i] for i in chosen] for tier, chosen in positions.items()}


def _lowest_positions(
    seed: str, tier_list: Sequence[str], counts: Mapping[str, int], encoded: Sequence[bytes]
) -> tuple[dict[str, list[int]], dict[int, bytes]]:
    """Per tier, the positions of the lowest tickets in ticket order; and each chosen position's ticket."""
    sizes = Counter(tier_list)
    limits = dict.fromkeys(sizes, b"")  # nothing is below b"": tiers not drawn are not hashed
    for tier, wanted in counts.items():
        n = sizes.get(tier, 0)
        if wanted < 0 or wanted > n:
            raise ValueError(f"tier {tier}: cannot draw {wanted} of {n}")
        if wanted and wanted * 8 < n:
            share = min(1.0, (2 * wanted + 64) / n)
            limits[tier] = min(int(share * 2**256), 2**256 - 1).to_bytes(32, "big")
        elif wanted:
            limits[tier] = b"\xff" * 33  # above every digest
    copy = hashlib.sha256(f"{seed}:".encode()).copy

    def digest(key: bytes) -> bytes:
        h = copy()
        h.update(key)
        return h.digest()

    below: dict[str, list[tuple[bytes, int]]] = {tier: [] for tier in counts}
    for d, i in [
        (d, i)
        for i, (key, tier) in enumerate(zip(encoded, tier_list, strict=True))
        if (limit := limits[tier]) and (d := digest(key)) < limit
    ]:
        below[tier_list[i]].append((d, i))
    chosen: dict[str, list[int]] = {}
    tickets: dict[int, bytes] = {}
    for tier, wanted in counts.items():
        candidates = below[tier]
        if len(candidates) < wanted:
            candidates = [(digest(key), i) for i, key in enumerate(encoded) if tier_list[i] == tier]
        candidates.sort()
        chosen[tier] = [i for _d, i in candidates[:wanted]]
        tickets.update((i, d) for d, i in candidates[:wanted])
    return chosen, tickets


def lowest_tickets(seed: str, members: Sequence[str], wanted: int) -> list[str]:
    """The `wanted` members with the lowest tickets, in ticket order (ties broken by the key).

    Same result as sorting every (ticket, key) pair, faster: tickets are uniform, so the
    lowest `wanted` of n are almost surely below a threshold near 2 * wanted / n of the
    range; only those are kept and sorted. If fewer than `wanted` fall below it, all are
    sorted: the result never depends on the shortcut.
    """
    if wanted <= 0:
        return []
    copy = hashlib.sha256(f"{seed}:".encode()).copy

    def digest(key: str) -> bytes:
        h = copy()
        h.update(key.encode())
        return h.digest()

    n = len(members)
    candidates: list[tuple[bytes, str]] = []
    if wanted * 8 < n:
        share = min(1.0, (2 * wanted + 64) / n)
        threshold = min(int(share * 2**256), 2**256 - 1).to_bytes(32, "big")
        candidates = [(d, key) for key in members if (d := digest(key)) < threshold]
    if len(candidates) < wanted:
        candidates = [(digest(key), key) for key in members]
    candidates.sort()
    return [key for _d, key in candidates[:wanted]]


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
    # The texts the digests were computed over: the files to publish (population) and to
    # keep for auditors (tiers).
    population_file: str = field(default="", repr=False)
    tiers_file: str = field(default="", repr=False)
    # Per tier, the drawn keys' positions in the sorted population; each drawn key's ticket.
    positions: dict[str, list[int]] = field(default_factory=dict, repr=False)
    tickets: dict[str, str] = field(default_factory=dict, repr=False)


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
    ordered = sorted(tiers)
    return run_sorted(
        task=task,
        round_no=round_no,
        ordered=ordered,
        tier_list=list(map(tiers.__getitem__, ordered)),
        counts=counts,
        secret=secret,
        entropy=entropy,
    )


def run_sorted(
    *,
    task: str,
    round_no: int,
    ordered: Sequence[str],
    tier_list: Sequence[str],
    counts: Mapping[str, int],
    secret: str,
    entropy: str = "",
) -> Draw:
    """`run` over keys already sorted and unique (see `strictly_increasing`) and their tiers, in that order.

    `Draw.positions` gives each drawn key's index in `ordered`, `Draw.tickets` its ticket.
    """
    population_file = _population_text(ordered, unique=True)
    tiers_file = _tiers_text(ordered, tier_list)
    encoded = population_file.encode()
    population_digest = hashlib.sha256(encoded).hexdigest()
    tiers_digest = sha256_hex(tiers_file)
    seed = seed_for(
        task=task,
        round_no=round_no,
        population_digest=population_digest,
        tiers_digest=tiers_digest,
        secret=secret,
        entropy=entropy,
    )
    # The keys as bytes, split from the text just hashed: the digest and the tickets share it.
    positions, digests = _lowest_positions(seed, tier_list, counts, encoded.split(b"\n")[:-1] if ordered else [])
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
        selected={tier: [ordered[i] for i in chosen] for tier, chosen in positions.items()},
        population_file=population_file,
        tiers_file=tiers_file,
        positions=positions,
        tickets={ordered[i]: d.hex() for i, d in digests.items()},
    )


@dataclass
class Verdict:
    ok: bool
    problems: list[str]
    # What the files gave, for callers that compare them with stored values.
    population_digest: str = ""
    seed: str = ""
    # Per tier, the keys the seed gives (when the whole selection was recomputed).
    selection: dict[str, list[str]] = field(default_factory=dict)


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
    tier_rows: tuple[Sequence[str], Sequence[str]] | None = None,
) -> Verdict:
    """Recompute a draw from published material.

    The tiers file comes as `tiers` (key -> tier) or as `tier_rows`, its keys and tiers in
    file order as `split_tiers` gives them (no million-entry dict to build).

    Without `tiers` (the public layer of a tiered draw) it checks the commitment, the
    seed and that every drawn key is in the population. With `tiers` and `counts` (a draw
    without tiers, or an auditor) it also recomputes the whole selection.

    Published files are already sorted: then nothing is sorted again, and the population
    text is hashed and split into the tickets' bytes once.
    """
    problems: list[str] = []
    canonical = strictly_increasing(population)
    ordered = list(population) if canonical else sorted(population)
    population_file = _population_text(ordered, unique=canonical)
    encoded = population_file.encode()
    population_digest = hashlib.sha256(encoded).hexdigest()
    if commitment(secret) != published_commitment:
        problems.append("the secret does not match the commitment published before the draw")
    tier_keys: list[str] = []
    tier_list: list[str] = []
    if tiers is not None and tier_rows is None:
        tier_rows = (list(tiers), list(tiers.values()))
    if tier_rows is not None:
        tier_keys, tier_list = list(tier_rows[0]), list(tier_rows[1])
        if not strictly_increasing(tier_keys):
            pairs = sorted(zip(tier_keys, tier_list, strict=True))
            tier_keys, tier_list = [k for k, _t in pairs], [t for _k, t in pairs]
        if tier_keys != ordered:
            problems.append("the tiers file does not list the same keys as the population file")
        if sha256_hex(_tiers_text(tier_keys, tier_list)) != tiers_digest:
            problems.append("the tiers file does not match its committed digest")
    return _verdict(
        task=task,
        round_no=round_no,
        ordered=ordered,
        encoded=encoded.split(b"\n")[:-1] if ordered else [],
        population_digest=population_digest,
        tiers_digest=tiers_digest,
        secret=secret,
        entropy=entropy,
        selected=selected,
        tier_list=tier_list if tier_rows is not None else None,
        counts=counts,
        problems=problems,
    )


def _verdict(
    *,
    task: str,
    round_no: int,
    ordered: Sequence[str],
    encoded: Sequence[bytes],
    population_digest: str,
    tiers_digest: str,
    secret: str,
    entropy: str,
    selected: Sequence[str],
    tier_list: Sequence[str] | None,
    counts: Mapping[str, int] | None,
    problems: list[str],
) -> Verdict:
    """The seed, the drawn keys' membership and (with the tiers and counts) the whole selection."""
    seed = seed_for(
        task=task,
        round_no=round_no,
        population_digest=population_digest,
        tiers_digest=tiers_digest,
        secret=secret,
        entropy=entropy,
    )
    outside = [key for key in selected if not _contains(ordered, key)]
    if outside:
        problems.append(f"drawn keys not in the population: {', '.join(outside[:5])}")
    expected: dict[str, list[str]] = {}
    if tier_list is not None and counts is not None and not problems:
        expected = _select_sorted(seed, ordered, tier_list, counts, encoded)
        expected_keys = sorted(k for keys in expected.values() for k in keys)
        if expected_keys != sorted(selected):
            problems.append("the selection differs from the one the seed gives")
    return Verdict(
        ok=not problems, problems=problems, population_digest=population_digest, seed=seed, selection=expected
    )


def verify_files(
    *,
    task: str,
    round_no: int,
    population_file: bytes,
    published_commitment: str,
    secret: str,
    entropy: str,
    tiers_digest: str,
    selected: Sequence[str],
    tiers_file: bytes | None = None,
    counts: Mapping[str, int] | None = None,
) -> Verdict:
    """`verify` over the files as published (UTF-8 bytes): the same verdict, less work.

    A population file in the published form (sorted keys, one per line, nothing else) is
    its own canonical text: it is hashed and split as it is. A tiers file whose digest is
    the committed one is the committed text, so it needs no check of its form either; it
    must still list the population's keys. Any other file goes through `verify`, which
    sorts and rebuilds, and says what is wrong.
    """
    text = population_file.decode("utf-8")
    ordered = text.split("\n")
    published_form = (
        ordered.pop() == ""
        and "\r" not in text
        and "\t" not in text
        and (not ordered or ordered[0] != "")
        and strictly_increasing(ordered)  # sorted and unique; with a non-empty first key, no empty key
    )
    tier_list: list[str] | None = None
    if published_form and tiers_file is not None:
        if hashlib.sha256(tiers_file).hexdigest() == tiers_digest:
            parts = tiers_file.decode("utf-8").replace("\n", "\t").split("\t")
            parts.pop()  # the committed text ends with a newline
            tier_list = parts[1::2]
            published_form = parts[0::2] == ordered
        else:
            published_form = False
    if not published_form:
        return verify(
            task=task,
            round_no=round_no,
            population=parse_population(text),
            published_commitment=published_commitment,
            secret=secret,
            entropy=entropy,
            tiers_digest=tiers_digest,
            selected=selected,
            counts=counts,
            tier_rows=split_tiers(tiers_file.decode("utf-8")) if tiers_file is not None else None,
        )
    problems: list[str] = []
    if commitment(secret) != published_commitment:
        problems.append("the secret does not match the commitment published before the draw")
    encoded = population_file.split(b"\n")
    encoded.pop()
    return _verdict(
        task=task,
        round_no=round_no,
        ordered=ordered,
        encoded=encoded,
        population_digest=hashlib.sha256(population_file).hexdigest(),
        tiers_digest=tiers_digest,
        secret=secret,
        entropy=entropy,
        selected=selected,
        tier_list=tier_list,
        counts=counts,
        problems=problems,
    )


def _contains(ordered: Sequence[str], key: str) -> bool:
    i = bisect_left(ordered, key)
    return i < len(ordered) and ordered[i] == key


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
    selected = parse_population(Path(args.selected).read_text(encoding="utf-8"))
    counts = {c.split("=")[0]: int(c.split("=")[1]) for c in args.count} or None
    verdict = verify_files(
        task=args.task,
        round_no=args.round,
        population_file=Path(args.population).read_bytes(),
        published_commitment=args.commitment,
        secret=args.secret,
        entropy=args.entropy,
        tiers_digest=args.tiers_digest,
        selected=selected,
        counts=counts,
        tiers_file=Path(args.tiers).read_bytes() if args.tiers else None,
    )
    if verdict.ok:
        print("OK: the draw matches")  # noqa: T201
        return 0
    for problem in verdict.problems:
        print(f"MISMATCH: {problem}")  # noqa: T201
    return 1


if __name__ == "__main__":
    sys.exit(main())
