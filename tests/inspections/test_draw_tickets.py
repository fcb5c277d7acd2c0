"""The fast lowest-tickets selection equals sorting every ticket; the public files stay well formed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspections import drawing

keys = st.sets(st.from_regex(r"91140522[0-9A-HJ-NP-RTUW-Y]{10}", fullmatch=True), min_size=0, max_size=400)


def run(
    tiers: dict[str, str], counts: dict[str, int], secret: str = "s", salts: dict[str, str] | None = None
) -> drawing.Draw:
    ordered = sorted(tiers)
    return drawing.run_sorted(
        task="9",
        round_no=1,
        ordered=ordered,
        tier_list=[tiers[k] for k in ordered],
        counts=counts,
        secret=secret,
        salts=salts,
    )


@settings(max_examples=150, deadline=None)
@given(keys, st.integers(0, 400), st.text(min_size=1, max_size=8))
def test_it_selects_exactly_what_sorting_every_ticket_selects(members: set[str], wanted: int, secret: str) -> None:
    population = sorted(members)
    wanted = min(wanted, len(population))

    draw = run(dict.fromkeys(population, drawing.UNTIERED), {drawing.UNTIERED: wanted}, secret)

    expected = [k for _t, k in sorted((drawing.ticket(draw.seed, k), k) for k in population)[:wanted]]
    assert draw.selected.get(drawing.UNTIERED, []) == expected
    assert all(draw.tickets[k] == drawing.ticket(draw.seed, k) for k in expected)


def test_it_gives_the_exact_lowest_tickets_through_the_threshold_shortcut() -> None:
    population = [f"91140522MA0K{n:06d}" for n in range(1000)]

    # 100 of 1000: the threshold shortcut applies; the result is still the exact lowest 100.
    draw = run(dict.fromkeys(population, drawing.UNTIERED), {drawing.UNTIERED: 100})

    expected = [k for _t, k in sorted((drawing.ticket(draw.seed, k), k) for k in population)[:100]]
    assert draw.selected[drawing.UNTIERED] == expected


@pytest.mark.parametrize("bad", ["", "a\tb", "a\nb", "a\rb"])
def test_it_rejects_a_key_that_would_break_the_public_file(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid key"):
        drawing.population_text(["91140522MA0K000001", bad])


def test_it_writes_the_same_files_as_the_one_line_per_key_definition() -> None:
    tiers = {"91140522MA0K000002": "B", "91140522MA0K000001": "A", "12140522MB0000001X": "none"}

    assert drawing.population_text(tiers) == "".join(f"{k}\n" for k in sorted(tiers))
    assert drawing.tiers_text(tiers) == "".join(f"{k}\t{tiers[k]}\n" for k in sorted(tiers))
    assert drawing.population_text([]) == drawing.tiers_text({}) == ""


tiered = st.dictionaries(
    st.from_regex(r"91140522[0-9A-HJ-NP-RTUW-Y]{10}", fullmatch=True), st.sampled_from("ABCD"), max_size=300
)


@settings(max_examples=150, deadline=None)
@given(tiered, st.data())
def test_it_selects_per_tier_exactly_what_sorting_every_ticket_of_the_tier_selects(
    tiers: dict[str, str], data: st.DataObject
) -> None:
    secret = data.draw(st.text(min_size=1, max_size=8))
    salts = data.draw(st.one_of(st.none(), st.just(drawing.new_salts())))
    sizes = {t: sum(1 for v in tiers.values() if v == t) for t in "ABCD"}
    counts = {t: data.draw(st.integers(0, sizes[t])) for t in "ABCD" if sizes[t]}

    draw = run(tiers, counts, secret, salts)

    for tier, wanted in counts.items():
        members = sorted(k for k, t in tiers.items() if t == tier)
        salt = salts[tier] if salts else ""
        expected = [k for _t, k in sorted((drawing.ticket(draw.seed, k, salt), k) for k in members)[:wanted]]
        assert draw.selected[tier] == expected
        assert [draw.tickets[k] for k in expected] == [drawing.ticket(draw.seed, k, salt) for k in expected]


def test_it_verifies_unsorted_input_like_the_published_sorted_files() -> None:
    tiers = {f"91140522MA0K{n:06d}": "ABCD"[n % 4] for n in range(400)}
    draw = run(tiers, {"A": 3, "B": 5, "C": 20, "D": 40})
    selected = [k for keys in draw.selected.values() for k in keys]

    def check(population: list[str], tiers: dict[str, str]) -> drawing.Verdict:
        return drawing.verify(
            task="9",
            round_no=1,
            population=population,
            published_commitment=draw.commitment,
            secret="s",
            entropy="",
            tiers_digest=draw.tiers_digest,
            selected=selected,
            tiers=tiers,
            counts=draw.counts,
        )

    published = check(drawing.parse_population(draw.population_file), drawing.parse_tiers(draw.tiers_file))
    shuffled = check(sorted(tiers, reverse=True), dict(reversed(tiers.items())))

    assert published.ok and shuffled.ok, (published.problems, shuffled.problems)
    assert published.population_digest == shuffled.population_digest == draw.population_digest
    assert published.seed == draw.seed


def test_it_parses_a_malformed_tiers_line_as_an_error() -> None:
    with pytest.raises(ValueError):
        drawing.parse_tiers("91140522MA0K000001\tA\tB\n91140522MA0K000002\n")
