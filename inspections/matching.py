"""Matching inspectors to drawn targets: one pure function over plain data.

`match(...)` gives every drawn target a team drawn with the draw's seed, or says exactly
why it cannot (department, region, expertise, how many short). It never bends a rule:

- at least `MIN_TEAM` officers, each active and with a certificate valid on the visit date;
- one or more officers of every department the target needs (the initiating department
  and, in a joint task, each cooperating department whose items apply);
- the department's officers together hold the expertise its items need;
- officers of the target's region only;
- never an officer with a declared conflict, nor one on the target's previous team;
- an expert from the pool for every expertise the items want an expert for;
- workload spread evenly: among the officers allowed, the least loaded first; among those
  equally loaded, one picked by SHA-256(seed ":" target ":" position), so the team is
  random and reproducible from the draw's seed.

No database here; `inspections.services.matching` loads the data and stores the teams.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter

MIN_TEAM = 2
_officer_id = attrgetter("id")


@dataclass(frozen=True, eq=False)
class Officer:
    id: int
    key: str  # certificate number: stable, used in the tie-breaking ticket
    department_id: int
    region_id: int
    expertise: frozenset[str] = frozenset()
    active: bool = True
    valid_until: dt.date = dt.date.max

    def matchable_on(self, day: dt.date) -> bool:
        return self.active and self.valid_until >= day


@dataclass(frozen=True, eq=False)
class PoolExpert:
    id: int
    key: str
    expertise: frozenset[str] = frozenset()
    active: bool = True
    valid_until: dt.date | None = None

    def available_on(self, day: dt.date) -> bool:
        return self.active and (self.valid_until is None or self.valid_until >= day)


@dataclass(frozen=True)
class Need:
    """What one drawn target needs."""

    key: str
    region_id: int
    # The regions whose officers may inspect it (its own and, e.g., the county above a town).
    regions: frozenset[int]
    # department id -> expertise its officers must hold together (empty: any officer)
    departments: Mapping[int, frozenset[str]]
    lead_department_id: int  # tops the team up to MIN_TEAM
    expert_expertise: frozenset[str] = frozenset()
    conflicts: frozenset[int] = frozenset()  # officer ids that declared a conflict
    last_team: frozenset[int] = frozenset()  # officer ids who inspected it last time


@dataclass(frozen=True)
class Team:
    officers: tuple[int, ...]
    experts: tuple[int, ...] = ()


def gettext_noop(message: str) -> str:
    """Marks a msgid for the catalogue: this module stays free of Django, Shortfall.message translates."""
    return message


@dataclass(frozen=True)
class Shortfall:
    target: str
    department_id: int | None
    region_id: int
    expertise: str  # "" when no particular expertise is missing
    short: int
    template: str  # a msgid marked with gettext_noop, with %(name)s placeholders
    params: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The reason, in the language active when it is read (the staff's, when the round is matched)."""
        from django.utils.translation import gettext

        return gettext(self.template) % self.params


@dataclass
class Result:
    teams: dict[str, Team] = field(default_factory=dict)
    shortfalls: list[Shortfall] = field(default_factory=list)
    load: dict[int, int] = field(default_factory=dict)


def _ticket(seed: str, target: str, member: str) -> str:
    return hashlib.sha256(f"{seed}:{target}:{member}".encode()).hexdigest()


def _draw_index(seed: str, target: str, position: int, size: int) -> int:
    """An index in range(size) from SHA-256(seed ":" target ":" position): reproducible, uniform enough."""
    digest = hashlib.sha256(f"{seed}:{target}:{position}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % size


def match(
    *,
    seed: str,
    needs: Sequence[Need],
    officers: Sequence[Officer],
    experts: Sequence[PoolExpert] = (),
    on: dt.date,
    initial_load: Mapping[int, int] | None = None,
    department_names: Mapping[int, str] | None = None,
    region_names: Mapping[int, str] | None = None,
) -> Result:
    """Teams for `needs` in the given order (the draw's ticket order)."""
    dept_name = dict(department_names or {})
    region_name = dict(region_names or {})
    load: dict[int, int] = {o.id: 0 for o in officers}
    load.update(initial_load or {})
    expert_load: dict[int, int] = {e.id: 0 for e in experts}
    by_place: dict[tuple[int, int], list[Officer]] = {}
    for officer in officers:
        if officer.matchable_on(on):
            by_place.setdefault((officer.department_id, officer.region_id), []).append(officer)
    for pool in by_place.values():
        pool.sort(key=lambda o: o.key)  # a fixed order: the same inputs always give the same teams
    result = Result(load=load)
    pools: dict[tuple[int, frozenset[int]], list[Officer]] = {}

    for need in needs:
        chosen: list[Officer] = []
        problems: list[Shortfall] = []

        def pick(candidates: list[Officer], need: Need = need, chosen: list[Officer] = chosen) -> Officer:
            # The least loaded first; among equals, one chosen by a hash of the seed, the
            # target and the pick's position: one hash per pick, not one per candidate.
            # C-level map/compress: this runs twice per drawn target, over tens of officers.
            if chosen:
                taken = {o.id for o in chosen}
                candidates = [o for o in candidates if o.id not in taken]
            loads = list(map(load.__getitem__, map(_officer_id, candidates)))
            tied = list(compress(candidates, map(min(loads).__eq__, loads)))
            return tied[_draw_index(seed, need.key, len(chosen), len(tied))]

        def allowed(dept: int, need: Need = need) -> list[Officer]:
            """Matchable officers of the department in the target's regions, minus conflicts and last team."""
            place = (dept, need.regions)
            if place not in pools:
                pools[place] = [o for region in sorted(need.regions) for o in by_place.get((dept, region), [])]
            if not (need.conflicts or need.last_team):
                return pools[place]
            return [o for o in pools[place] if o.id not in need.conflicts and o.id not in need.last_team]

        def where(dept: int, need: Need = need) -> dict[str, object]:
            return {"department": dept_name.get(dept, dept), "region": region_name.get(need.region_id, need.region_id)}

        for dept, wanted in sorted(need.departments.items()):
            pool = allowed(dept)
            mine: list[Officer] = []
            missing = set(wanted)
            while missing:
                helpful = [o for o in pool if o.expertise & missing and all(o is not m for m in mine)]
                if not helpful:
                    break
                officer = pick(helpful)
                mine.append(officer)
                missing -= officer.expertise
            for expertise in sorted(missing):
                problems.append(
                    Shortfall(
                        need.key,
                        dept,
                        need.region_id,
                        expertise,
                        1,
                        gettext_noop(
                            "%(department)s在%(region)s缺少具有「%(expertise)s」专业、可参加检查的执法人员 1 名"
                            "（已排除回避和上次检查该对象的人员）"
                        ),
                        where(dept) | {"expertise": expertise},
                    )
                )
            if not mine:
                if pool:
                    mine.append(pick(pool))
                elif not missing:
                    problems.append(
                        Shortfall(
                            need.key,
                            dept,
                            need.region_id,
                            "",
                            1,
                            gettext_noop(
                                "%(department)s在%(region)s缺少可参加检查的执法人员 1 名"
                                "（在岗、执法证在有效期内，已排除回避和上次检查该对象的人员）"
                            ),
                            where(dept),
                        )
                    )
            chosen.extend(mine)

        if len(chosen) < MIN_TEAM and not problems:
            lead = need.lead_department_id
            in_team = {o.id for o in chosen}
            pool = [o for o in allowed(lead) if o.id not in in_team]
            while len(chosen) < MIN_TEAM and len(pool) > len(chosen) - len(in_team):
                chosen.append(pick(pool))
            if len(chosen) < MIN_TEAM:
                short = MIN_TEAM - len(chosen)
                problems.append(
                    Shortfall(
                        need.key,
                        lead,
                        need.region_id,
                        "",
                        short,
                        gettext_noop(
                            "%(department)s在%(region)s可参加检查的执法人员不足，每组至少 %(min)d 名，还差 %(short)d 名"
                            "（在岗、执法证在有效期内，已排除回避和上次检查该对象的人员）"
                        ),
                        where(lead) | {"min": MIN_TEAM, "short": short},
                    )
                )

        chosen_experts: list[PoolExpert] = []
        for expertise in sorted(need.expert_expertise):
            if any(expertise in e.expertise for e in chosen_experts):
                continue
            fitting = [e for e in experts if e.available_on(on) and expertise in e.expertise]
            if not fitting:
                problems.append(
                    Shortfall(
                        need.key,
                        None,
                        need.region_id,
                        expertise,
                        1,
                        gettext_noop("专家库缺少「%(expertise)s」专业的可用专家或专业机构 1 名"),
                        {"expertise": expertise},
                    )
                )
                continue
            expert = min(fitting, key=lambda e: (expert_load[e.id], _ticket(seed, need.key, "expert:" + e.key)))
            chosen_experts.append(expert)

        if problems:
            result.shortfalls.extend(problems)
            continue
        for officer in chosen:
            load[officer.id] += 1
        for expert in chosen_experts:
            expert_load[expert.id] += 1
        result.teams[need.key] = Team(officers=tuple(o.id for o in chosen), experts=tuple(e.id for e in chosen_experts))
    return result
