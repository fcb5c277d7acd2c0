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

A tiered draw must not let the public learn anyone's tier. Were its tickets computable
from public material, a drawn object whose ticket ranks high in the whole population
could only come from a high-ratio tier. So a tiered draw (format ssj-draw-2) mixes a
secret salt per tier into each ticket, SHA-256(seed ":" salt_tier ":" key), and keys the
tiers digest with the salts. The salts are committed before the draw (SHA-256 of
`salts_text`, part of the seed) and opened to auditors only: the public checks the
commitments, the seed and membership; auditors, with the salts and the tiers file,
recompute everything. A draw without tiers has no salts and anyone recomputes it.
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
FORMAT_VERSION = "ssj-draw-1"  # without tiers (and tiered draws before salts)
FORMAT_SALTED = "ssj-draw-2"  # tiered: per-tier secret salts in the tickets
# One salt per tier a population may hold, generated for every tiered round: which
# tiers a round holds is itself internal.
SALTED_TIERS = ("A", "B", "C", "D", "none")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return secrets.token_hex(32)


def commitment(secret: str) -> str:
    return sha256_hex(secret)


def new_salts() -> dict[str, str]:
    """One secret salt per tier (256 bits each), opened to auditors only."""
    return {tier: secrets.token_hex(32) for tier in SALTED_TIERS}


def salts_text(salts: Mapping[str, str]) -> str:
    """The canonical one-line form, "A=hex,B=hex,...", sorted by tier: what is committed and handed to auditors."""
    for tier, salt in salts.items():
        if not tier or any(c in tier for c in "=,\n") or not salt or any(c in salt for c in "=,\n"):
            raise ValueError(f"invalid salt for tier {tier!r}")
    return ",".join(f"{tier}={salts[tier]}" for tier in sorted(salts))


def parse_salts(text: str) -> dict[str, str]:
    salts = {}
    for part in text.strip().split(","):
        tier, sep, salt = part.partition("=")
        if not sep or not tier or not salt:
            raise ValueError(f"invalid salts entry {part!r}: expected tier=salt")
        salts[tier] = salt
    return salts


def salts_commitment(salts: Mapping[str, str]) -> str:
    return sha256_hex(salts_text(salts))


def tiers_digest_of(tiers_file: bytes, salts: Mapping[str, str] | None = None) -> str:
    """The tiers file's digest; keyed with the salts for a salted draw.

    Unkeyed, the digest of a small population's tiers could be found by trying every
    assignment of tiers (5 ** n files): keyed with 256-bit secrets, it hides them.
    """
    if not salts:
        return hashlib.sha256(tiers_file).hexdigest()
    return hashlib.sha256(f"{FORMAT_SALTED}|salts={salts_text(salts)}\n".encode() + tiers_file).hexdigest()


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


def seed_for(
    *,
    task: str,
    round_no: int,
    population_digest: str,
    tiers_digest: str,
    secret: str,
    entropy: str,
    salts_commitment: str = "",
) -> str:
    """The seed; with `salts_commitment` (a salted tiered draw) in format ssj-draw-2."""
    material = [
        FORMAT_SALTED if salts_commitment else FORMAT_VERSION,
        f"task={task}",
        f"round={round_no}",
        f"population={population_digest}",
        f"tiers={tiers_digest}",
        f"secret={secret}",
        f"entropy={entropy}",
    ]
    if salts_commitment:
        material.append(f"salts={salts_commitment}")
    return sha256_hex("|".join(material))


def ticket(seed: str, key: str, salt: str = "") -> str:
    """SHA-256(seed ":" key); in a salted draw SHA-256(seed ":" salt ":" key), salt of the key's tier."""
    if salt:
        return hashlib.sha256(f"{seed}:{salt}:{key}".encode()).hexdigest()
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def _select_sorted(
    seed: str,
    ordered: Sequence[str],
    tier_list: Sequence[str],
    counts: Mapping[str, int],
    encoded: Sequence[bytes],
    *,
    salts: Mapping[str, str] | None = None,
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Per tier, the `counts[tier]` keys of sorted `ordered` with the lowest tickets, in ticket
    order; and each drawn key's ticket. `encoded` are the keys as UTF-8 bytes (split from the
    encoded population file: one C-level call instead of a million encodes)."""
    positions, tickets = _lowest_positions(seed, tier_list, counts, encoded, salts)
    selection = {tier: [ordered[i] for i in chosen] for tier, chosen in positions.items()}
    return selection, {ordered[i]: d.hex() for i, d in tickets.items()}


def _lowest_positions(
    seed: str,
    tier_list: Sequence[str],
    counts: Mapping[str, int],
    encoded: Sequence[bytes],
    salts: Mapping[str, str] | None = None,
) -> tuple[dict[str, list[int]], dict[int, bytes]]:
    """Per tier, the positions of the lowest tickets in ticket order; and each chosen position's ticket.

    Same result as sorting every (ticket, position) pair of the tier, faster: tickets are
    uniform, so the lowest `wanted` of n are almost surely below a threshold near
    2 * wanted / n of the range; only those are kept and sorted. A tier with fewer than
    `wanted` below it is sorted in full: the result never depends on the shortcut.
    """
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
    if salts is None:
        plain = hashlib.sha256(f"{seed}:".encode())
        prefixes = dict.fromkeys(sizes, plain)
    else:
        missing = [tier for tier in sizes if not salts.get(tier)]
        if missing:
            raise ValueError(f"no salt for tier {missing[0]}")
        prefixes = {tier: hashlib.sha256(f"{seed}:{salts[tier]}:".encode()) for tier in sizes}

    def digest(key: bytes, tier: str) -> bytes:
        h = prefixes[tier].copy()
        h.update(key)
        return h.digest()

    below: dict[str, list[tuple[bytes, int]]] = {tier: [] for tier in counts}
    for d, i in [
        (d, i)
        for i, (key, tier) in enumerate(zip(encoded, tier_list, strict=True))
        if (limit := limits[tier]) and (d := digest(key, tier)) < limit
    ]:
        below[tier_list[i]].append((d, i))
    chosen: dict[str, list[int]] = {}
    tickets: dict[int, bytes] = {}
    for tier, wanted in counts.items():
        candidates = below[tier]
        if len(candidates) < wanted:
            candidates = [(digest(key, tier), i) for i, key in enumerate(encoded) if tier_list[i] == tier]
        candidates.sort()
        chosen[tier] = [i for _d, i in candidates[:wanted]]
        tickets.update((i, d) for d, i in candidates[:wanted])
    return chosen, tickets


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
    # The salts' commitment of a salted tiered draw ("" without salts).
    salts_commitment: str = ""
    # The texts the digests were computed over: the files to publish (population) and to
    # keep for auditors (tiers).
    population_file: str = field(default="", repr=False)
    tiers_file: str = field(default="", repr=False)
    # Per tier, the drawn keys' positions in the sorted population; each drawn key's ticket.
    positions: dict[str, list[int]] = field(default_factory=dict, repr=False)
    tickets: dict[str, str] = field(default_factory=dict, repr=False)


def run_sorted(
    *,
    task: str,
    round_no: int,
    ordered: Sequence[str],
    tier_list: Sequence[str],
    counts: Mapping[str, int],
    secret: str,
    entropy: str = "",
    salts: Mapping[str, str] | None = None,
) -> Draw:
    """Draw from keys already sorted and unique (see `strictly_increasing`) and their tiers, in that order
    (UNTIERED for a draw without tiers). `salts` (a tiered draw): one secret salt per tier.

    `Draw.positions` gives each drawn key's index in `ordered`, `Draw.tickets` its ticket.
    """
    population_file = _population_text(ordered, unique=True)
    tiers_file = _tiers_text(ordered, tier_list)
    encoded = population_file.encode()
    population_digest = hashlib.sha256(encoded).hexdigest()
    tiers_digest = tiers_digest_of(tiers_file.encode(), salts)
    committed_salts = salts_commitment(salts) if salts else ""
    seed = seed_for(
        task=task,
        round_no=round_no,
        population_digest=population_digest,
        tiers_digest=tiers_digest,
        secret=secret,
        entropy=entropy,
        salts_commitment=committed_salts,
    )
    # The keys as bytes, split from the text just hashed: the digest and the tickets share it.
    keys = encoded.split(b"\n")[:-1] if ordered else []
    positions, digests = _lowest_positions(seed, tier_list, counts, keys, salts or None)
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
        salts_commitment=committed_salts,
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
    # Per tier, the keys the seed gives (when the whole selection was recomputed), and their tickets.
    selection: dict[str, list[str]] = field(default_factory=dict)
    tickets: dict[str, str] = field(default_factory=dict)


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
    published_salts_commitment: str = "",
    salts: Mapping[str, str] | None = None,
    published_seed: str = "",
) -> Verdict:
    """Recompute a draw from published material.

    The tiers file comes as `tiers` (key -> tier) or as `tier_rows`, its keys and tiers in
    file order as `split_tiers` gives them (no million-entry dict to build).

    Without `tiers` (the public layer of a tiered draw) it checks the commitment, the
    seed and that every drawn key is in the population. With `tiers` and `counts` (a draw
    without tiers, or an auditor, who also has the `salts` of a salted draw) it also
    recomputes the whole selection.

    Published files are already sorted: then nothing is sorted again, and the population
    text is hashed and split into the tickets' bytes once.
    """
    problems: list[str] = []
    canonical = strictly_increasing(population)
    ordered = list(population) if canonical else sorted(population)
    population_file = _population_text(ordered, unique=canonical)
    encoded = population_file.encode()
    population_digest = hashlib.sha256(encoded).hexdigest()
    _check_commitments(secret, published_commitment, salts, published_salts_commitment, problems)
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
        if tiers_digest_of(_tiers_text(tier_keys, tier_list).encode(), salts) != tiers_digest:
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
        salts_commitment=published_salts_commitment,
        salts=salts,
        published_seed=published_seed,
    )


def _check_commitments(
    secret: str,
    published_commitment: str,
    salts: Mapping[str, str] | None,
    published_salts_commitment: str,
    problems: list[str],
) -> None:
    if commitment(secret) != published_commitment:
        problems.append("the secret does not match the commitment published before the draw")
    if salts and salts_commitment(salts) != published_salts_commitment:
        problems.append("the salts do not match the commitment published before the draw")


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
    salts_commitment: str = "",
    salts: Mapping[str, str] | None = None,
    published_seed: str = "",
) -> Verdict:
    """The seed, the drawn keys' membership and (with the tiers and counts) the whole selection."""
    seed = seed_for(
        task=task,
        round_no=round_no,
        population_digest=population_digest,
        tiers_digest=tiers_digest,
        secret=secret,
        entropy=entropy,
        salts_commitment=salts_commitment,
    )
    if published_seed and seed != published_seed:
        problems.append("the published seed is not the one its inputs give")
    outside = [key for key in selected if not _contains(ordered, key)]
    if outside:
        problems.append(f"drawn keys not in the population: {', '.join(outside[:5])}")
    if len(set(selected)) != len(selected):
        problems.append("a key is listed more than once among the drawn keys")
    if counts is not None and sum(counts.values()) != len(selected):
        problems.append("the number of drawn keys differs from the published count")
    expected: dict[str, list[str]] = {}
    tickets: dict[str, str] = {}
    if salts_commitment and tier_list is not None and counts is not None and not salts:
        problems.append("a tiered draw with salts is recomputed only with the salts (auditors)")
    elif tier_list is not None and counts is not None and not problems:
        expected, tickets = _select_sorted(seed, ordered, tier_list, counts, encoded, salts=salts or None)
        expected_keys = sorted(k for keys in expected.values() for k in keys)
        if expected_keys != sorted(selected):
            problems.append("the selection differs from the one the seed gives")
    return Verdict(
        ok=not problems,
        problems=problems,
        population_digest=population_digest,
        seed=seed,
        selection=expected,
        tickets=tickets,
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
    published_salts_commitment: str = "",
    salts: Mapping[str, str] | None = None,
    published_seed: str = "",
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
        if tiers_digest_of(tiers_file, salts) == tiers_digest:
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
            published_salts_commitment=published_salts_commitment,
            salts=salts,
            published_seed=published_seed,
        )
    problems: list[str] = []
    _check_commitments(secret, published_commitment, salts, published_salts_commitment, problems)
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
        salts_commitment=published_salts_commitment,
        salts=salts,
        published_seed=published_seed,
    )


def _contains(ordered: Sequence[str], key: str) -> bool:
    i = bisect_left(ordered, key)
    return i < len(ordered) and ordered[i] == key


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a published random draw (双随机抽查).")
    parser.add_argument("population", help="population file: one key per line (gunzipped)")
    parser.add_argument("selected", help="drawn keys file: one key per line")
    parser.add_argument("--task", required=True)
    parser.add_argument("--round", type=int, required=True)
    parser.add_argument("--commitment", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--entropy", default="")
    parser.add_argument("--tiers-digest", required=True)
    parser.add_argument("--seed", default="", help="the published seed, to compare with the one recomputed")
    parser.add_argument("--drawn-count", type=int, help="the published number of drawn objects")
    parser.add_argument("--salts-commitment", default="", help="a tiered draw: the salts' commitment")
    parser.add_argument("--salts", default="", help="auditors: the salts of a tiered draw, tier=salt,...")
    parser.add_argument("--tiers", help="auditors' file: key<TAB>tier per line (or all '-' for an untiered draw)")
    parser.add_argument("--count", action="append", default=[], help="tier=count, repeatable (with --tiers)")
    args = parser.parse_args(argv)
    selected = parse_population(Path(args.selected).read_text(encoding="utf-8"))
    counts = {c.split("=")[0]: int(c.split("=")[1]) for c in args.count} or None
    if counts is None and args.drawn_count is not None:
        counts = {"": args.drawn_count}  # the total only: membership and count, no recompute
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
        published_salts_commitment=args.salts_commitment,
        salts=parse_salts(args.salts) if args.salts else None,
        published_seed=args.seed,
    )
    if verdict.ok:
        print("OK: the draw matches")  # noqa: T201
        return 0
    for problem in verdict.problems:
        print(f"MISMATCH: {problem}")  # noqa: T201
    return 1


if __name__ == "__main__":
    sys.exit(main())
