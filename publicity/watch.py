"""The daily deadline watch (Celery beat, `publicity.daily_watch`).

Each check finds its causes with one query and tells the people responsible through
`notify`, keyed by the cause: a person is told about a cause once, however many days the
cause stays true. Checks:

- results due within 3 working days, and results overdue (20 working days after the visit);
- plans not published by 30 April;
- tasks whose period has started without a draw;
- tasks not finished by 20 December;
- follow-up entries past their due date;
- entered results without publication (published now, and an alarm to the office);
- fairness checks of finished rounds not checked yet.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from inspections.models import FollowUp, FollowUpStatus, TeamMember, Visit, VisitCoverage, VisitStatus
from inspections.population import effective_rounds
from inspections.selectors import task_pending
from inspections.workdays import add_working_days
from plans.models import PUBLISH_DEADLINE, TASK_END_DEADLINE, Plan, PlanStatus, Task
from publicity.dashboard import period_ended, rounds_drawn, rounds_due, year_tasks
from publicity.services import office_users, publications_sweep
from registries.models import Notification, NotificationLevel, Role, User
from registries.services.notifications import notify

logger = logging.getLogger(__name__)

DUE_SOON_WORKING_DAYS = 3
STAFF_ROLES = (Role.STAFF, Role.LEADER)


def _staff(department_ids: Iterable[int | None]) -> list[User]:
    ids = {d for d in department_ids if d is not None}
    return list(User.objects.filter(is_active=True, role__in=STAFF_ROLES, department_id__in=ids))


def _team_users(visit_ids: list[int]) -> dict[int, list[User]]:
    """The inspectors with an account on each visit's team."""
    members = (
        TeamMember.objects.filter(drawn__coverage__visit_id__in=visit_ids, inspector__user__isnull=False)
        .select_related("inspector__user")
        .values_list("drawn__coverage__visit_id", "inspector__user_id")
    )
    user_ids: dict[int, set[int]] = defaultdict(set)
    for visit_id, user_id in members:
        user_ids[visit_id].add(user_id)
    users = {u.pk: u for u in User.objects.filter(pk__in={u for s in user_ids.values() for u in s}, is_active=True)}
    return {v: [users[u] for u in sorted(ids) if u in users] for v, ids in user_ids.items()}


def _initiators(visit_ids: list[int]) -> dict[int, set[int]]:
    rows = VisitCoverage.objects.filter(visit_id__in=visit_ids).values_list(
        "visit_id", "drawn__round__task__initiator_id"
    )
    out: dict[int, set[int]] = defaultdict(set)
    for visit_id, initiator in rows:
        if initiator is not None:
            out[visit_id].add(initiator)
    return out


CHUNK = 2000


def _told(keys: list[str]) -> set[str]:
    """The causes among `keys` someone was already told of (a cause is told once)."""
    return set(Notification.objects.filter(key__in=keys).values_list("key", flat=True).distinct())


def _notify_visits(visits: QuerySet[Visit], *, key: str, title: str, body: str, level: str, staff_too: bool) -> int:
    """Notify each visit's cause once, however many are open: causes told before are skipped in
    bulk, so the oldest ones never crowd out the new ones."""
    created = 0
    pending = visits.select_related("target").order_by("entry_deadline", "pk")
    last_pk = 0
    while True:
        chunk = list(pending.filter(pk__gt=last_pk).order_by("pk")[:CHUNK])
        if not chunk:
            return created
        last_pk = chunk[-1].pk
        told = _told([f"{key}:visit-{v.pk}" for v in chunk])
        created += _notify_visit_chunk(
            [v for v in chunk if f"{key}:visit-{v.pk}" not in told],
            key=key,
            title=title,
            body=body,
            level=level,
            staff_too=staff_too,
        )


def _notify_visit_chunk(rows: list[Visit], *, key: str, title: str, body: str, level: str, staff_too: bool) -> int:
    ids = [v.pk for v in rows]
    teams = _team_users(ids)
    initiators = _initiators(ids) if staff_too else {}
    staff_by_dept: dict[int, list[User]] = {}
    created = 0
    for visit in rows:
        users = list(teams.get(visit.pk, []))
        for dept in initiators.get(visit.pk, ()):
            if dept not in staff_by_dept:
                staff_by_dept[dept] = _staff([dept])
            users += staff_by_dept[dept]
        created += len(
            notify(
                users=users,
                key=f"{key}:visit-{visit.pk}",
                kind=key,
                level=level,
                title=title.format(target=visit.target.name),
                body=body.format(target=visit.target.name, deadline=visit.entry_deadline, visited=visit.visited_on),
                url=reverse("inspections:visit_detail", args=[visit.pk]),
            )
        )
    return created


def results_due_check(today: dt.date) -> int:
    soon = add_working_days(today, DUE_SOON_WORKING_DAYS).date
    visits = Visit.objects.filter(status=VisitStatus.DONE, entry_deadline__gte=today, entry_deadline__lte=soon)
    return _notify_visits(
        visits,
        key="result-due",
        level=NotificationLevel.WARNING,
        title="检查结果即将到期：{target}",
        body="{target} 的检查（{visited}）结果须在 {deadline} 前录入（20个工作日），请尽快录入。",
        staff_too=False,
    )


def results_overdue_check(today: dt.date) -> int:
    visits = Visit.objects.filter(status=VisitStatus.DONE, entry_deadline__lt=today)
    return _notify_visits(
        visits,
        key="result-overdue",
        level=NotificationLevel.ALARM,
        title="检查结果逾期未录入：{target}",
        body="{target} 的检查（{visited}）结果录入期限 {deadline} 已过，请立即录入并说明原因。",
        staff_too=True,
    )


def plans_late_check(today: dt.date) -> int:
    deadline = dt.date(today.year, *PUBLISH_DEADLINE)
    if today <= deadline:
        return 0
    office = list(office_users())
    created = 0
    for plan in Plan.objects.filter(year=today.year, status=PlanStatus.DRAFT).select_related("owner"):
        created += len(
            notify(
                users=[*_staff([plan.owner_id]), *office],
                key=f"plan-late:plan-{plan.pk}",
                kind="plan-late",
                level=NotificationLevel.ALARM,
                title=f"年度抽查计划未按期公布：{plan.owner.name}",
                body=f"{plan.title} 应于 {deadline:%Y-%m-%d} 前公布，目前仍未公布。",
                url=reverse("plans:detail", args=[plan.pk]),
            )
        )
    return created


def _task_users(task: Task, office: list[User]) -> list[User]:
    return [*_staff([task.initiator_id]), *office]


def _notify_tasks(
    tasks: QuerySet[Task], *, kind: str, level: str, title: Callable[[Task], str], body: Callable[[Task], str]
) -> int:
    """Tell each task's initiating staff and the office, once per task."""
    office = list(office_users())
    created = 0
    for task in tasks.select_related("plan", "initiator"):
        created += len(
            notify(
                users=_task_users(task, office),
                key=f"{kind}:task-{task.pk}",
                kind=kind,
                level=level,
                title=title(task),
                body=body(task),
                url=reverse("inspections:task_draws", args=[task.pk]),
            )
        )
    return created


def tasks_without_draw_check(today: dt.date) -> int:
    has_round = Exists(effective_rounds().filter(task=OuterRef("pk")))
    tasks = (
        year_tasks(today.year)
        .filter(Q(start_month__lte=today.month) | Q(start_month__isnull=True))
        .annotate(has_round=has_round)
        .filter(has_round=False)
    )
    return _notify_tasks(
        tasks,
        kind="task-no-draw",
        level=NotificationLevel.WARNING,
        title=lambda t: (
            f"抽查任务检查期已结束仍未抽取：{t.name}"
            if period_ended(t.end_month, t.plan.year, today)
            else f"抽查任务检查期已开始仍未抽取：{t.name}"
        ),
        body=lambda t: f"{t.plan.title} 第{t.number}项任务“{t.name}”自 {t.start_month or 1} 月开始，尚未抽取检查对象。",
    )


def tasks_unfinished_check(today: dt.date) -> int:
    deadline = dt.date(today.year, *TASK_END_DEADLINE)
    if today <= deadline:
        return 0
    tasks = (
        year_tasks(today.year)
        .annotate(
            pending=task_pending(),
            has_round=Exists(effective_rounds().filter(task=OuterRef("pk"))),
            rounds=rounds_drawn(),
        )
        .filter(Q(pending=True) | Q(has_round=False) | Q(rounds__lt=rounds_due()))
    )
    return _notify_tasks(
        tasks,
        kind="task-unfinished",
        level=NotificationLevel.ALARM,
        title=lambda t: f"抽查任务未在12月20日前完成：{t.name}",
        body=lambda t: (
            f"{t.plan.title} 第{t.number}项任务“{t.name}”应于 {deadline:%Y-%m-%d} 前完成"
            f"全部 {t.times_per_year or 1} 轮抽查和结果录入。"
        ),
    )


def follow_ups_overdue_check(today: dt.date) -> int:
    overdue = FollowUp.objects.filter(status=FollowUpStatus.OPEN, due_on__lt=today).select_related("target", "task")
    created = 0
    staff_by_dept: dict[int, list[User]] = {}
    rows = list(overdue.order_by("due_on", "pk"))

    def cause(follow_up: FollowUp) -> str:
        # A new step with a new due date is a new cause: told again when that one passes.
        return f"follow-up-overdue:follow-up-{follow_up.pk}:{follow_up.due_on:%Y%m%d}"

    told: set[str] = set()
    for start in range(0, len(rows), CHUNK):
        told |= _told([cause(f) for f in rows[start : start + CHUNK]])
    for follow_up in rows:
        if cause(follow_up) in told:
            continue
        if follow_up.department_id not in staff_by_dept:
            staff_by_dept[follow_up.department_id] = _staff([follow_up.department_id])
        created += len(
            notify(
                users=staff_by_dept[follow_up.department_id],
                key=cause(follow_up),
                kind="follow-up-overdue",
                level=NotificationLevel.WARNING,
                title=f"后续处理逾期：{follow_up.target.name}",
                body=(
                    f"{follow_up.target.name}（{follow_up.task.name}）的后续处理期限 "
                    f"{follow_up.due_on:%Y-%m-%d} 已过，请及时办理并登记。"
                ),
                url=reverse("inspections:follow_up_detail", args=[follow_up.pk]),
            )
        )
    return created


def fairness_sweep(limit: int = 50) -> int:
    """Check the finished rounds not checked yet (a few each day; big rounds take seconds)."""
    from publicity.fairness import round_fairness_check
    from publicity.models import FairnessCheck

    checked = FairnessCheck.objects.filter(round=OuterRef("pk"))
    rounds = effective_rounds().annotate(checked=Exists(checked)).filter(checked=False).exclude(population_file="")
    done = 0
    for draw_round in rounds.order_by("pk")[:limit]:
        try:
            round_fairness_check(draw_round=draw_round)
            done += 1
        except Exception:
            # One unreadable round must not stop the others; it is logged and tried again tomorrow.
            logger.exception("round %s: fairness check failed", draw_round.pk)
    return done


def daily_watch(*, today: dt.date) -> dict[str, int]:
    """Run every check; returns what each created (notifications, or rows published/checked)."""
    created: Counter[str] = Counter()
    checks = {
        "result-due": results_due_check,
        "result-overdue": results_overdue_check,
        "plan-late": plans_late_check,
        "task-no-draw": tasks_without_draw_check,
        "task-unfinished": tasks_unfinished_check,
        "follow-up-overdue": follow_ups_overdue_check,
    }
    for name, check in checks.items():
        with transaction.atomic():
            created[name] = check(today)
    created["publication-missing"] = publications_sweep()
    created["fairness"] = fairness_sweep()
    return dict(created)
