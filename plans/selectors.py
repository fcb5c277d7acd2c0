"""Reads of the plans app: lists, scopes of tasks, per-tier counts and plan checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_risk.allocation import Allocation, PolicySpec, allocate
from credit_risk.models import TierPolicy
from credit_risk.selectors import tier_counts, warning_population
from plans.models import PUBLISH_DEADLINE, Plan, PlanStatus, Task, TaskType
from registries.access import scoped
from registries.models import Department, ItemClaim, Level, Target, TargetStatus, User

LEVEL_RANK = {Level.PROVINCE: 3, Level.CITY: 2, Level.COUNTY: 1}
SECOND_HALF_SHARE_LIMIT = 0.5


def plans_for(user: User, queryset: QuerySet[Plan] | None = None) -> QuerySet[Plan]:
    """The plans a user may read: its department's own (scoped by owner) and, read-only, every
    plan with a task its department is listed on as cooperating (配合部门) — a joint plan is
    read by all its departments. Changing a plan stays with the owner (rule plans.edit_plan)."""
    plans = Plan.objects.all() if queryset is None else queryset
    own = scoped(user, Plan.objects.all(), "owner").values("pk")
    cooperating = scoped(user, Task.objects.all(), "cooperating").values("plan_id")
    return plans.filter(Q(pk__in=own) | Q(pk__in=cooperating))


def plan_list(plans: QuerySet[Plan]) -> QuerySet[Plan]:
    return plans.select_related("owner").annotate(task_count=Count("tasks"))


def public_plans() -> QuerySet[Plan]:
    return Plan.objects.exclude(status=PlanStatus.DRAFT).select_related("owner").order_by("-year", "owner__name")


def late_plans(today: dt.date | None = None) -> QuerySet[Plan]:
    """Plans of this year not published by 30 April (or published after it)."""
    today = today or timezone.localdate()
    deadline = dt.date(today.year, *PUBLISH_DEADLINE)
    late = Plan.objects.filter(year=today.year).filter(Q(status=PlanStatus.DRAFT) | Q(published_at__date__gt=deadline))
    return late if today > deadline else late.filter(published_at__date__gt=deadline)


def task_scope(task: Task) -> QuerySet[Target] | None:
    """The task's saved query on the target registry; None when the scope was never set."""
    if not (task.scope_kinds or task.scope_region_id or task.scope_warning or task.scope_tags.exists()):
        return None
    qs = Target.objects.filter(status=TargetStatus.ACTIVE)
    if task.scope_warning:
        qs = qs.filter(id__in=warning_population(task.scope_warning).values("id"))
    if task.scope_kinds:
        qs = qs.filter(kind__in=task.scope_kinds)
    if task.scope_region_id:
        region = task.scope_region
        assert region is not None
        qs = qs.filter(Q(region=region) | Q(region__parent=region))
    tag_ids = list(task.scope_tags.values_list("id", flat=True))
    if tag_ids:
        # a semi-join, not a join: a target with two of the tags is still one object
        tagged = Target.tags.through.objects.filter(tag_id__in=tag_ids).values("target_id")
        qs = qs.filter(id__in=tagged)
    return qs


DEFAULT_POLICY = PolicySpec()


def task_allocation(task: Task) -> Allocation | None:
    """The live size of the task's scope per tier and the counts the policy would draw (staff only)."""
    scope = task_scope(task)
    if scope is None:
        return None
    population = tier_counts(scope)
    if not task.uses_tiers:
        population = {"none": sum(population.values())}
    policy: TierPolicy | None = task.policy
    spec = policy.as_spec() if policy else DEFAULT_POLICY
    return allocate(population, task.ratio_spec(), spec)


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str


def plan_checks(plan: Plan) -> list[Finding]:
    """What the owner and the leading-group office should fix before or after publishing."""
    findings: list[Finding] = []
    tasks = list(plan.tasks.select_related("initiator").prefetch_related("cooperating", "items"))
    departments = {plan.owner_id}
    for task in tasks:
        if task.initiator_id:
            departments.add(task.initiator_id)
        departments.update(d.pk for d in task.cooperating.all())
    covered = {item.pk for task in tasks for item in task.items.all()}
    uncovered = (
        ItemClaim.objects.filter(department_id__in=departments)
        .exclude(item_id__in=covered)
        .select_related("item", "department")
        .order_by("item__code")
    )
    for claim in uncovered:
        findings.append(
            Finding(
                "uncovered_item",
                _("事项 %(item)s （%(department)s认领）没有任务覆盖")
                % {"item": claim.item, "department": claim.department},
            )
        )
    if plan.owner.is_leading_group_office:
        with_task = {t.initiator_id for t in tasks} | {d.pk for t in tasks for d in t.cooperating.all()}
        participating = set(
            ItemClaim.objects.filter(department__region=plan.owner.region).values_list("department_id", flat=True)
        )
        idle = Department.objects.filter(pk__in=participating - with_task).values_list("name", flat=True)
        for name in idle:
            findings.append(Finding("department_without_task", _("%(department)s 没有抽查任务") % {"department": name}))
    for task in tasks:
        if task.ends_after_deadline():
            findings.append(
                Finding(
                    "ends_late",
                    _("任务 %(number)s「%(name)s」到 12 月才结束，应于 12 月 20 日前完成")
                    % {"number": task.number, "name": task.name},
                )
            )
        if task.start_month is None:
            findings.append(
                Finding(
                    "no_period",
                    _("任务 %(number)s「%(name)s」没有抽查起止时间") % {"number": task.number, "name": task.name},
                )
            )
    dated = [t for t in tasks if t.start_month is not None]
    late_start = [t for t in dated if t.in_second_half()]
    if dated and len(late_start) / len(dated) > SECOND_HALF_SHARE_LIMIT:
        findings.append(
            Finding(
                "second_half",
                _("%(late)d / %(dated)d 个任务在下半年才开始，不应集中在下半年")
                % {"late": len(late_start), "dated": len(dated)},
            )
        )
    findings.extend(_duplicates(plan, tasks))
    return findings


def _overlap_key(task: Task) -> tuple[str, frozenset[int]]:
    return (task.scope_text.replace("全县", "").replace("全市", ""), frozenset(i.pk for i in task.items.all()))


def _duplicates(plan: Plan, tasks: list[Task]) -> list[Finding]:
    findings: list[Finding] = []
    joint = [t for t in tasks if t.task_type == TaskType.JOINT]
    for task in tasks:
        if task.task_type != TaskType.INTERNAL:
            continue
        for other in joint:
            if _overlap_key(other) == _overlap_key(task) and (
                task.initiator_id == other.initiator_id or task.initiator_id in {d.pk for d in other.cooperating.all()}
            ):
                findings.append(
                    Finding(
                        "internal_duplicates_joint",
                        _("内部任务 %(number)s「%(name)s」与联合任务 %(other)s 对象和事项相同，应由联合任务替代")
                        % {"number": task.number, "name": task.name, "other": other.number},
                    )
                )
                break
    rank = LEVEL_RANK.get(Level(plan.owner.level), 0)
    higher = (
        Task.objects.filter(
            plan__year=plan.year, plan__owner__level__in=[lv for lv, r in LEVEL_RANK.items() if r > rank]
        )
        .exclude(plan__status=PlanStatus.DRAFT)
        .prefetch_related("items")
        .select_related("plan__owner")
    )
    higher_keys: dict[tuple[str, frozenset[int]], Task] = {}
    for other in higher:
        if other.items.exists():
            higher_keys.setdefault(_overlap_key(other), other)
    for task in tasks:
        if not task.items.all():
            continue
        match = higher_keys.get(_overlap_key(task))
        if match is not None:
            findings.append(
                Finding(
                    "lower_duplicates_higher",
                    _("任务 %(number)s「%(name)s」与 %(owner)s 的任务 %(other)s 对象和事项相同，应由上级任务替代")
                    % {"number": task.number, "name": task.name, "owner": match.plan.owner, "other": match.number},
                )
            )
    return findings
