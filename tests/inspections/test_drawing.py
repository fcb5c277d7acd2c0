"""The verifiable draw: reproducible, sensitive to every input, exact per-tier counts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspections import drawing
from registries import credit_code

TIERS = ("A", "B", "C", "D")

keys = st.text(alphabet=credit_code.ALPHABET, min_size=18, max_size=18)


@st.composite
def populations(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, int]]:
    members = draw(st.sets(keys, min_size=1, max_size=60))
    tiers = {key: draw(st.sampled_from(TIERS)) for key in sorted(members)}
    sizes = {t: sum(1 for v in tiers.values() if v == t) for t in TIERS}
    counts = {t: draw(st.integers(min_value=0, max_value=sizes[t])) for t in TIERS if sizes[t]}
    return tiers, counts


def _run(tiers: dict[str, str], counts: dict[str, int], secret: str = "s" * 64, entropy: str = "") -> drawing.Draw:
    ordered = sorted(tiers)
    return drawing.run_sorted(
        task="2026-7",
        round_no=1,
        ordered=ordered,
        tier_list=[tiers[k] for k in ordered],
        counts=counts,
        secret=secret,
        entropy=entropy,
    )


def _selected(draw: drawing.Draw) -> list[str]:
    return [key for chosen in draw.selected.values() for key in chosen]


@given(populations())
def test_it_draws_exactly_the_counts_per_tier_from_that_tier(case: tuple[dict[str, str], dict[str, int]]) -> None:
    tiers, counts = case
    result = _run(tiers, counts)
    for tier, wanted in counts.items():
        assert len(result.selected[tier]) == wanted
        assert all(tiers[key] == tier for key in result.selected[tier])


@given(populations())
def test_it_is_reproduced_by_the_verifier(case: tuple[dict[str, str], dict[str, int]]) -> None:
    tiers, counts = case
    result = _run(tiers, counts, entropy="福彩3D 2026318期 507")
    verdict = drawing.verify(
        task=result.task,
        round_no=result.round_no,
        population=list(tiers),
        published_commitment=result.commitment,
        secret=result.secret,
        entropy=result.entropy,
        tiers_digest=result.tiers_digest,
        selected=_selected(result),
        tiers=tiers,
        counts=counts,
    )
    assert verdict.ok, verdict.problems


@given(populations(), st.data())
def test_it_changes_the_digest_when_one_population_entry_changes(
    case: tuple[dict[str, str], dict[str, int]], data: st.DataObject
) -> None:
    tiers, counts = case
    victim = data.draw(st.sampled_from(sorted(tiers)))
    replacement = data.draw(keys.filter(lambda k: k not in tiers))
    changed = dict(tiers)
    changed[replacement] = changed.pop(victim)
    assert _run(tiers, counts).population_digest != _run(changed, counts).population_digest
    assert _run(tiers, counts).seed != _run(changed, counts).seed


@given(populations())
def test_it_changes_the_tier_commitment_when_a_tier_changes(case: tuple[dict[str, str], dict[str, int]]) -> None:
    tiers, _counts = case
    key = sorted(tiers)[0]
    changed = dict(tiers)
    changed[key] = "D" if tiers[key] != "D" else "A"
    assert _run(tiers, {}).tiers_digest != _run(changed, {}).tiers_digest


@settings(max_examples=30)
@given(st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=20))
def test_it_changes_the_seed_with_the_secret_or_the_entropy(a: str, b: str) -> None:
    tiers = {credit_code.make(f"9114052200000{i:04d}"): "B" for i in range(20)}
    if a != b:
        assert _run(tiers, {"B": 5}, secret=a).seed != _run(tiers, {"B": 5}, secret=b).seed
        assert _run(tiers, {"B": 5}, entropy=a).seed != _run(tiers, {"B": 5}, entropy=b).seed


def test_it_changes_the_selection_with_the_secret() -> None:
    tiers = {credit_code.make(f"9114052200000{i:04d}"): "-" for i in range(200)}
    first = _run(tiers, {"-": 10}, secret="a" * 64)
    second = _run(tiers, {"-": 10}, secret="b" * 64)
    assert first.selected != second.selected


def test_it_refuses_a_secret_that_does_not_match_the_commitment() -> None:
    tiers = {credit_code.make(f"9114052200000{i:04d}"): "-" for i in range(30)}
    result = _run(tiers, {"-": 3})
    verdict = drawing.verify(
        task=result.task,
        round_no=1,
        population=list(tiers),
        published_commitment=result.commitment,
        secret="a forged secret",
        entropy="",
        tiers_digest=result.tiers_digest,
        selected=_selected(result),
        tiers=tiers,
        counts=result.counts,
    )
    assert not verdict.ok
    assert "commitment" in verdict.problems[0]


def test_it_refuses_a_selection_that_swapped_one_object() -> None:
    tiers = {credit_code.make(f"9114052200000{i:04d}"): "-" for i in range(30)}
    result = _run(tiers, {"-": 3})
    chosen = _selected(result)
    other = next(k for k in tiers if k not in chosen)
    verdict = drawing.verify(
        task=result.task,
        round_no=1,
        population=list(tiers),
        published_commitment=result.commitment,
        secret=result.secret,
        entropy="",
        tiers_digest=result.tiers_digest,
        selected=[*chosen[:-1], other],
        tiers=tiers,
        counts=result.counts,
    )
    assert verdict.problems == ["the selection differs from the one the seed gives"]


def test_it_runs_as_a_standalone_script_with_only_the_standard_library(tmp_path: Path) -> None:
    tiers = {credit_code.make(f"9114052200000{i:04d}"): "-" for i in range(50)}
    result = _run(tiers, {"-": 5}, entropy="witness 4711")
    (tmp_path / "population.txt").write_text(drawing.population_text(tiers), encoding="utf-8")
    (tmp_path / "selected.txt").write_text("".join(f"{k}\n" for k in _selected(result)), encoding="utf-8")
    (tmp_path / "tiers.txt").write_text(drawing.tiers_text(tiers), encoding="utf-8")
    script = Path(drawing.__file__)
    args = [
        sys.executable,
        "-I",  # isolated: no project, no site-packages
        "-S",
        str(script),
        str(tmp_path / "population.txt"),
        str(tmp_path / "selected.txt"),
        "--task=2026-7",
        "--round=1",
        f"--commitment={result.commitment}",
        f"--secret={result.secret}",
        "--entropy=witness 4711",
        f"--tiers-digest={result.tiers_digest}",
        f"--tiers={tmp_path / 'tiers.txt'}",
        "--count=-=5",
    ]
    done = subprocess.run(args, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK" in done.stdout
    (tmp_path / "selected.txt").write_text(_selected(result)[0] + "\n", encoding="utf-8")
    done = subprocess.run(args, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 1
    assert "MISMATCH" in done.stdout


def test_it_rejects_a_population_with_duplicate_keys() -> None:
    with pytest.raises(ValueError, match="unique"):
        drawing.population_text(["91140522MA0K000001", "91140522MA0K000001"])


def _files_verdict(result: drawing.Draw, population: bytes, tiers: bytes, selected: list[str]) -> drawing.Verdict:
    return drawing.verify_files(
        task=result.task,
        round_no=result.round_no,
        population_file=population,
        published_commitment=result.commitment,
        secret=result.secret,
        entropy=result.entropy,
        tiers_digest=result.tiers_digest,
        selected=selected,
        tiers_file=tiers,
        counts=result.counts,
    )


@given(populations())
def test_it_verifies_the_published_files_as_they_are(case: tuple[dict[str, str], dict[str, int]]) -> None:
    tiers, counts = case
    result = _run(tiers, counts, entropy="见证人 42")

    verdict = _files_verdict(result, result.population_file.encode(), result.tiers_file.encode(), _selected(result))

    assert verdict.ok, verdict.problems
    assert (verdict.population_digest, verdict.seed) == (result.population_digest, result.seed)
    assert verdict.selection == result.selected


def test_it_gives_the_same_verdict_as_verify_for_files_not_in_the_published_form() -> None:
    tiers = {credit_code.make(f"9114052200000{i:04d}"): "ABCD"[i % 4] for i in range(80)}
    result = _run(tiers, {"A": 3, "B": 3, "C": 5, "D": 10})
    selected = _selected(result)
    population, tiers_file = result.population_file.encode(), result.tiers_file.encode()
    reversed_population = "".join(f"{k}\n" for k in sorted(tiers, reverse=True)).encode()
    crlf = population.replace(b"\n", b"\r\n")
    damaged_tiers = tiers_file.replace(b"\tA\n", b"\tD\n", 1)

    assert _files_verdict(result, reversed_population, tiers_file, selected).ok  # sorted again, as verify does
    with pytest.raises(ValueError, match="invalid key"):  # as verify refuses it
        _files_verdict(result, crlf, tiers_file, selected)
    assert _files_verdict(result, population, damaged_tiers, selected).problems == [
        "the tiers file does not match its committed digest"
    ]
    assert _files_verdict(result, population, tiers_file, [*selected[:-1], "91140522MA0K999999"]).problems == [
        "drawn keys not in the population: 91140522MA0K999999"
    ]
    missing_line = population.split(b"\n", 1)[1]
    assert "the tiers file does not list the same keys as the population file" in (
        _files_verdict(result, missing_line, tiers_file, selected).problems
    )


@settings(max_examples=40, deadline=None)
@given(populations())
def test_a_salted_draw_is_recomputed_only_with_its_committed_salts(case: tuple[dict[str, str], dict[str, int]]) -> None:
    tiers, counts = case
    ordered = sorted(tiers)
    salts = drawing.new_salts()
    result = drawing.run_sorted(
        task="2026-7",
        round_no=1,
        ordered=ordered,
        tier_list=[tiers[k] for k in ordered],
        counts=counts,
        secret="s" * 64,
        salts=salts,
    )

    def check(with_salts: dict[str, str] | None) -> drawing.Verdict:
        return drawing.verify(
            task=result.task,
            round_no=1,
            population=ordered,
            published_commitment=result.commitment,
            secret=result.secret,
            entropy="",
            tiers_digest=result.tiers_digest,
            selected=_selected(result),
            tiers=tiers,
            counts=counts,
            published_salts_commitment=result.salts_commitment,
            salts=with_salts,
            published_seed=result.seed,
        )

    assert result.salts_commitment == drawing.salts_commitment(salts)
    assert check(salts).ok, check(salts).problems
    assert not check(None).ok
    assert not check({**salts, "A": drawing.new_salts()["A"]}).ok
    # The public layer (no tiers, no salts): the commitments, the seed and membership hold.
    public = drawing.verify(
        task=result.task,
        round_no=1,
        population=ordered,
        published_commitment=result.commitment,
        secret=result.secret,
        entropy="",
        tiers_digest=result.tiers_digest,
        selected=_selected(result),
        published_salts_commitment=result.salts_commitment,
        published_seed=result.seed,
    )
    assert public.ok, public.problems
