"""Load the registry for `inspections.matching.match`, store the teams; rerun without redrawing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from inspections import matching
from inspections.bulk import insert_rows
from inspections.models import DrawnTarget, DrawRound, ItemRequirement, RoundStatus, TeamMember, VisitStatus
from inspections.population import task_period
from plans.models import Task, TaskType
from registries.access import require_perm
from registries.audit import audit_record
from registries.models import Conflict, Department, Expert, Inspector, ItemClaim, Region, User


def task_departments(task: Task) -> dict[int, frozenset[str]]:
    """Department id -> expertise its officers need: the initiator, and in a joint task each
    cooperating department that claims one of the task's items (all of them if it has none)."""
    assert task.initiator_id is not None
    items = list(task.items.all())
    cooperating = set(task.cooperating.values_list("id", flat=True)) if task.task_type == TaskType.JOINT else set()
    claims: dict[int, set[int]] = defaultdict(set)
    for item_id, dept_id in ItemClaim.objects.filter(item__in=items).values_list("item_id", "department_id"):
        claims[item_id].add(dept_id)
    needs: dict[int, set[str]] = {task.initiator_id: set()}
    if not items:
        for dept in cooperating:
            needs[dept] = set()
    requirements = dict(
        ItemRequirement.objects.filter(item__in=items, expertise__isnull=False).values_list(
            "item_id", "expertise__name"
        )
    )
    for item in items:
        owners = (claims[item.pk] & cooperating) | ({task.initiator_id} & claims[item.pk])
        if not owners:
            owners = {task.initiator_id}
        for dept in owners:
            needs.setdefault(dept, set())
            if item.pk in requirements:
                needs[dept].add(requirements[item.pk])
    return {d: frozenset(e) for d, e in needs.items()}


def _expert_needs(task: Task) -> frozenset[str]:
    return frozenset(
        ItemRequirement.objects.filter(item__in=task.items.all(), expert_expertise__isnull=False).values_list(
            "expert_expertise__name", flat=True
        )
    )


def _officers(department_ids: list[int]) -> list[matching.Officer]:
    expertise: dict[int, set[str]] = defaultdict(set)
    through = Inspector.expertise.through
    for inspector_id, name in through.objects.filter(inspector__department_id__in=department_ids).values_list(
        "inspector_id", "expertise__name"
    ):
        expertise[inspector_id].add(name)
    rows = Inspector.objects.filter(department_id__in=department_ids).values_list(
        "id", "certificate_no", "department_id", "region_id", "status", "certificate_valid_until"
    )
    return [
        matching.Officer(
            id=pk,
            key=cert,
            department_id=dept,
            region_id=region,
            expertise=frozenset(expertise[pk]),
            active=status == "active",
            valid_until=valid,
        )
        for pk, cert, dept, region, status, valid in rows
    ]


def _experts() -> list[matching.PoolExpert]:
    expertise: dict[int, set[str]] = defaultdict(set)
    for expert_id, name in Expert.expertise.through.objects.values_list("expert_id", "expertise__name"):
        expertise[expert_id].add(name)
    return [
        matching.PoolExpert(id=pk, key=str(pk), expertise=frozenset(expertise[pk]), active=active, valid_until=valid)
        for pk, active, valid in Expert.objects.values_list("id", "is_active", "qualification_valid_until")
    ]


@dataclass
class _MatchInputs:
    """What `matching.match` needs for one round (`arguments`), and what storing the teams needs."""

    draw_round: DrawRound
    # (drawn id, key, target name) in ticket order
    drawn: list[tuple[int, str, str]]
    department_of: dict[int, int]
    arguments: dict[str, Any] = field(default_factory=dict)


@transaction.atomic
def match_round(*, draw_round: DrawRound, user: User | None) -> matching.Result:
    """Match (or rematch) teams to every drawn target of a finished round; problems are stored, not bent."""
    if user is not None:
        require_perm(user, "inspections.start_draw", draw_round.task)
    draw_round = DrawRound.objects.select_for_update(of=("self",)).select_related("task__plan").get(pk=draw_round.pk)
    if draw_round.status != RoundStatus.DONE:
        raise ValidationError("抽取完成后才能匹配执法检查人员")
    inputs = _match_inputs(draw_round=draw_round)
    result = matching.match(**inputs.arguments)
    _teams_store(inputs=inputs, result=result, user=user)
    return result


def _match_inputs(*, draw_round: DrawRound) -> _MatchInputs:
    """Read what the matching of a finished round needs (the caller holds the round's lock)."""
    task = draw_round.task
    departments = task_departments(task)
    lead = task.initiator_id
    assert lead is not None
    _start, visit_day = task_period(task)
    drawn = list(
        DrawnTarget.objects.filter(round=draw_round)
        .order_by("ticket")
        .values_list("id", "key", "target_id", "target__region_id", "target__region__parent_id", "target__name")
    )
    conflicts: dict[int, set[int]] = defaultdict(set)
    for target_id, inspector_id in Conflict.objects.filter(target__draws__round=draw_round).values_list(
        "target_id", "inspector_id"
    ):
        conflicts[target_id].add(inspector_id)
    # The previous team of each target: the latest other effective round that drew it. The
    # rounds are listed first (a few hundred a year) so that the database joins only the drawn
    # rows of this round's targets, not every team member of every round.
    finished = dict(
        DrawRound.objects.filter(status=RoundStatus.DONE, redrawn_by__isnull=True)
        .exclude(pk=draw_round.pk)
        .values_list("id", "finished_at")
    )
    last: dict[int, tuple[Any, set[int]]] = {}
    previous = TeamMember.objects.filter(
        inspector__isnull=False,
        drawn__round_id__in=list(finished),
        drawn__target_id__in=DrawnTarget.objects.filter(round=draw_round).values("target_id"),
    ).values_list("drawn__target_id", "drawn__round_id", "inspector_id")
    for target_id, round_id, inspector_id in previous if finished else []:
        finished_at = finished[round_id]
        when, members = last.get(target_id, (None, set()))
        if when is None or finished_at > when:
            last[target_id] = (finished_at, {inspector_id})
        elif finished_at == when:
            members.add(inspector_id)
    officers = _officers(list(departments))
    # This year's rounds that no redraw replaced (a replaced round's teams never go out).
    this_year = list(
        DrawRound.objects.filter(task__plan__year=task.plan.year, redrawn_by__isnull=True)
        .exclude(pk=draw_round.pk)
        .values_list("id", flat=True)
    )
    load: dict[int, int] = {}
    if this_year and officers:
        load = dict(
            TeamMember.objects.filter(inspector_id__in=[o.id for o in officers], drawn__round_id__in=this_year)
            .values("inspector_id")
            .annotate(n=Count("id"))
            .values_list("inspector_id", "n")
        )
    expert_needs = _expert_needs(task)
    no_one: frozenset[int] = frozenset()
    regions: dict[tuple[int, int | None], frozenset[int]] = {}
    needs = []
    for _pk, key, target_id, region, parent, _name in drawn:
        if (region, parent) not in regions:
            regions[region, parent] = frozenset(r for r in (region, parent) if r is not None)
        needs.append(
            matching.Need(
                key=key,
                region_id=region,
                regions=regions[region, parent],
                departments=departments,
                lead_department_id=lead,
                expert_expertise=expert_needs,
                conflicts=frozenset(conflicts[target_id]) if target_id in conflicts else no_one,
                last_team=frozenset(last[target_id][1]) if target_id in last else no_one,
            )
        )
    return _MatchInputs(
        draw_round=draw_round,
        drawn=[(pk, key, name) for pk, key, _t, _r, _p, name in drawn],
        department_of={o.id: o.department_id for o in officers},
        arguments={
            "seed": draw_round.seed,
            "needs": needs,
            "officers": officers,
            "experts": _experts() if expert_needs else [],
            "on": visit_day,
            "initial_load": load,
            "department_names": dict(Department.objects.filter(pk__in=list(departments)).values_list("id", "name")),
            "region_names": dict(Region.objects.values_list("id", "name")),
        },
    )


def _teams_store(*, inputs: _MatchInputs, result: matching.Result, user: User | None) -> None:
    """Replace the round's teams with `result` and record its problems (inside the caller's transaction)."""
    draw_round = inputs.draw_round
    dept_of = inputs.department_of
    # A team that has visited stays on record: who inspected is who enters (谁检查、谁录入), and
    # next year's avoidance reads it. Only the rows whose visit is still planned are rematched.
    visited = set(
        DrawnTarget.objects.filter(round=draw_round)
        .exclude(coverage__visit__status=VisitStatus.PLANNED)
        .filter(coverage__isnull=False)
        .values_list("id", flat=True)
    )
    TeamMember.objects.filter(drawn__round=draw_round).exclude(drawn_id__in=visited).delete()
    names = {}
    officer_rows: list[tuple[int, int, int, Any]] = []
    expert_rows: list[tuple[int, int, Any]] = []
    now = timezone.now()
    for pk, key, name in inputs.drawn:
        names[key] = name
        team = result.teams.get(key)
        if team is None or pk in visited:
            continue
        officer_rows.extend((pk, i, dept_of[i], now) for i in team.officers)
        expert_rows.extend((pk, e, now) for e in team.experts)
    insert_rows(TeamMember, ["drawn", "inspector", "department", "assigned_at"], officer_rows)
    insert_rows(TeamMember, ["drawn", "expert", "assigned_at"], expert_rows)
    problems = [
        {
            "target": s.target,
            "department_id": s.department_id,
            "region_id": s.region_id,
            "expertise": s.expertise,
            "short": s.short,
            "message": f"{names.get(s.target, s.target)}（{s.target}）：{s.message}",
        }
        for s in result.shortfalls
    ]
    DrawRound.objects.filter(pk=draw_round.pk).update(matched_at=timezone.now(), matching_problems=problems)
    audit_record(
        actor=user or draw_round.started_by,
        action="inspections.match" if user is None else "inspections.rematch",
        obj=draw_round,
        detail={"teams": len(result.teams), "unmatched": len({s.target for s in result.shortfalls})},
    )
