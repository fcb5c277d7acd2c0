"""Matching: property-based over plain data (no team breaks a rule; shortfalls name their cause)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from inspections.matching import MIN_TEAM, Need, Officer, PoolExpert, Result, match

DAY = dt.date(2026, 10, 31)
EXPERTISE = ("食品", "计量", "特种设备")
DEPTS = {1: "阳城县市场监督管理局", 2: "阳城县发展和改革局", 3: "阳城县教育局"}
REGIONS = {10: "阳城县", 11: "凤城镇"}


@st.composite
def officers(draw: st.DrawFn) -> list[Officer]:
    n = draw(st.integers(0, 14))
    return [
        Officer(
            id=i,
            key=f"1405221900{i:04d}",
            department_id=draw(st.sampled_from(sorted(DEPTS))),
            region_id=draw(st.sampled_from(sorted(REGIONS))),
            expertise=frozenset(draw(st.sets(st.sampled_from(EXPERTISE), max_size=2))),
            active=draw(st.booleans()) or draw(st.booleans()),
            valid_until=DAY + dt.timedelta(days=draw(st.integers(-3, 30))),
        )
        for i in range(n)
    ]


@st.composite
def needs(draw: st.DrawFn, officer_ids: list[int]) -> list[Need]:
    n = draw(st.integers(1, 8))
    departments = {1: frozenset(draw(st.sets(st.sampled_from(EXPERTISE), max_size=2)))}
    for dept in draw(st.sets(st.sampled_from([2, 3]), max_size=2)):
        departments[dept] = frozenset(draw(st.sets(st.sampled_from(EXPERTISE), max_size=1)))
    expert_expertise = frozenset(draw(st.sets(st.sampled_from(EXPERTISE), max_size=1)))
    ids = st.sampled_from(officer_ids or [999])
    return [
        Need(
            key=f"9114052200000{i:03d}X",
            region_id=(region := draw(st.sampled_from(sorted(REGIONS)))),
            regions=frozenset({region}),
            departments=departments,
            lead_department_id=1,
            expert_expertise=expert_expertise,
            conflicts=frozenset(draw(st.sets(ids, max_size=3))),
            last_team=frozenset(draw(st.sets(ids, max_size=2))),
        )
        for i in range(n)
    ]


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[Officer], list[Need], list[PoolExpert]]:
    pool = draw(officers())
    wanted = draw(needs([o.id for o in pool]))
    experts = [
        PoolExpert(id=i, key=str(i), expertise=frozenset(draw(st.sets(st.sampled_from(EXPERTISE), max_size=2))))
        for i in range(draw(st.integers(0, 3)))
    ]
    return pool, wanted, experts


def _run(pool: list[Officer], wanted: list[Need], experts: list[PoolExpert]) -> Result:
    return match(
        seed="ab" * 32,
        needs=wanted,
        officers=pool,
        experts=experts,
        on=DAY,
        department_names=DEPTS,
        region_names=REGIONS,
    )


@settings(max_examples=150, deadline=None)
@given(problems())
def test_it_never_forms_a_team_that_breaks_a_rule(case: tuple[list[Officer], list[Need], list[PoolExpert]]) -> None:
    pool, wanted, experts = case
    by_id = {o.id: o for o in pool}
    expert_by_id = {e.id: e for e in experts}

    result = _run(pool, wanted, experts)

    for need in wanted:
        team = result.teams.get(need.key)
        failed = [s for s in result.shortfalls if s.target == need.key]
        assert (team is None) == bool(failed), "every target gets a team or a named shortfall, never both"
        if team is None:
            continue
        members = [by_id[i] for i in team.officers]
        assert len(set(team.officers)) == len(team.officers) >= MIN_TEAM
        for officer in members:
            assert officer.active and officer.valid_until >= DAY
            assert officer.region_id in need.regions
            assert officer.id not in need.conflicts and officer.id not in need.last_team
            assert officer.department_id in need.departments
        for dept, expertise in need.departments.items():
            mine = [o for o in members if o.department_id == dept]
            assert mine, f"department {dept} has no officer on the team"
            assert expertise <= frozenset().union(*(o.expertise for o in mine))
        held = frozenset().union(*(expert_by_id[e].expertise for e in team.experts))
        assert need.expert_expertise <= held


@settings(max_examples=150, deadline=None)
@given(problems())
def test_it_names_department_region_expertise_and_shortage_when_infeasible(
    case: tuple[list[Officer], list[Need], list[PoolExpert]],
) -> None:
    pool, wanted, experts = case

    result = _run(pool, wanted, experts)

    for shortfall in result.shortfalls:
        assert shortfall.short >= 1
        assert f"{shortfall.short} 名" in shortfall.message
        if shortfall.expertise:
            assert f"「{shortfall.expertise}」" in shortfall.message
        if shortfall.department_id is not None:
            assert DEPTS[shortfall.department_id] in shortfall.message
            assert REGIONS[shortfall.region_id] in shortfall.message
            # Truly infeasible: no allowed officer of that department holds that expertise.
            need = next(n for n in wanted if n.key == shortfall.target)
            allowed = [
                o
                for o in pool
                if o.department_id == shortfall.department_id
                and o.region_id in need.regions
                and o.active
                and o.valid_until >= DAY
                and o.id not in need.conflicts | need.last_team
            ]
            if shortfall.expertise:
                assert not any(shortfall.expertise in o.expertise for o in allowed)
        else:
            assert not any(shortfall.expertise in e.expertise for e in experts)


def test_it_spreads_the_workload_evenly() -> None:
    pool = [Officer(id=i, key=f"K{i:03d}", department_id=1, region_id=10) for i in range(7)]
    wanted = [
        Need(key=f"T{i:03d}", region_id=10, regions=frozenset({10}), departments={1: frozenset()}, lead_department_id=1)
        for i in range(40)
    ]

    result = match(seed="cd" * 32, needs=wanted, officers=pool, on=DAY)

    loads = [result.load[o.id] for o in pool]
    assert sum(loads) == 80
    assert max(loads) - min(loads) <= 1


def test_it_counts_earlier_assignments_in_the_workload() -> None:
    pool = [Officer(id=i, key=f"K{i}", department_id=1, region_id=10) for i in range(3)]
    wanted = [Need(key="T1", region_id=10, regions=frozenset({10}), departments={1: frozenset()}, lead_department_id=1)]

    result = match(seed="ef" * 32, needs=wanted, officers=pool, on=DAY, initial_load={0: 5})

    assert set(result.teams["T1"].officers) == {1, 2}


def test_it_says_how_many_officers_are_short() -> None:
    pool = [Officer(id=1, key="K1", department_id=1, region_id=10, valid_until=DAY - dt.timedelta(days=1))]
    pool.append(Officer(id=2, key="K2", department_id=1, region_id=10))
    wanted = [Need(key="T1", region_id=10, regions=frozenset({10}), departments={1: frozenset()}, lead_department_id=1)]

    result = match(seed="00" * 32, needs=wanted, officers=pool, on=DAY, department_names=DEPTS, region_names=REGIONS)

    assert result.teams == {}
    assert [s.message for s in result.shortfalls] == [
        "阳城县市场监督管理局在阳城县可参加检查的执法人员不足，每组至少 2 名，还差 1 名"
        "（在岗、执法证在有效期内，已排除回避和上次检查该对象的人员）"
    ]


def test_it_draws_the_same_team_from_the_same_seed_and_another_from_another() -> None:
    pool = [Officer(id=i, key=f"K{i}", department_id=1, region_id=10) for i in range(20)]
    wanted = [Need(key="T1", region_id=10, regions=frozenset({10}), departments={1: frozenset()}, lead_department_id=1)]

    teams = {match(seed=s * 32, needs=wanted, officers=pool, on=DAY).teams["T1"] for s in ("01", "02", "03", "04")}

    assert match(seed="01" * 32, needs=wanted, officers=pool, on=DAY).teams["T1"] in teams
    assert len(teams) > 1
