"""Reads of the inspections app: rounds a user may see, drawn lists, visits, figures."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from inspections.models import (
    Correction,
    CorrectionStatus,
    DrawnTarget,
    DrawRound,
    FollowUp,
    ItemResult,
    Result,
    RoundStatus,
    TeamMember,
    Visit,
    VisitCoverage,
    VisitStatus,
)
from inspections.population import task_period
from inspections.workdays import WorkingDays
from plans.models import TASK_END_DEADLINE, Plan, PlanStatus, Task
from registries.access import scoped
from registries.models import Inspector, User

VISITED = (VisitStatus.DONE, VisitStatus.ENTERED)


def visible_rounds(user: User) -> QuerySet[DrawRound]:
    """Rounds of tasks whose initiating or cooperating department is the user's (the office: all)."""
    qs = DrawRound.objects.select_related("task__plan", "task__initiator")
    mine = scoped(user, qs, "task__initiator") | scoped(user, qs, "task__cooperating")
    return mine.distinct()


def round_drawn(draw_round: DrawRound) -> QuerySet[DrawnTarget]:
    return (
        DrawnTarget.objects.filter(round=draw_round)
        .select_related("target__region", "coverage__visit")
        .prefetch_related("team__inspector__department", "team__expert")
        .order_by("ticket")
    )


def round_visits_done(draw_round: DrawRound) -> bool:
    """Every drawn row of a finished round is in a visit that took place."""
    if draw_round.status != RoundStatus.DONE:
        return False
    pending = DrawnTarget.objects.filter(round=draw_round).filter(
        Q(coverage__isnull=True) | ~Q(coverage__visit__status__in=VISITED)
    )
    return not pending.exists()


def public_rounds() -> QuerySet[DrawRound]:
    """Finished rounds whose visits are all done: the drawn list and the secret become public."""
    pending = DrawnTarget.objects.filter(round=OuterRef("pk")).filter(
        Q(coverage__isnull=True) | ~Q(coverage__visit__status__in=VISITED)
    )
    return (
        DrawRound.objects.filter(status=RoundStatus.DONE)
        .exclude(task__plan__status=PlanStatus.DRAFT)
        .annotate(pending=Exists(pending))
        .filter(pending=False)
        .select_related("task__plan__owner", "task__initiator")
    )


def inspector_visits(user: User) -> QuerySet[Visit]:
    """The visits whose team includes this inspector: nobody else's."""
    inspector = getattr(user, "inspector", None)
    if not user.has_perm("inspections.record_visits") or inspector is None:
        return Visit.objects.none()
    return (
        Visit.objects.filter(coverage__drawn__team__inspector=inspector)
        .distinct()
        .select_related("target")
        .prefetch_related("coverage__drawn__round__task", "coverage__drawn__team__inspector")
    )


def visit_teams(visit: Visit) -> QuerySet[TeamMember]:
    """The union of the teams of the drawn rows the visit covers."""
    return TeamMember.objects.filter(drawn__coverage__visit=visit).select_related("inspector__department", "expert")


def visits_saved(plan: Plan) -> int:
    """Trips saved by 进一次门，查多项事 on the visits covering this plan's drawn targets."""
    visits = Visit.objects.filter(coverage__drawn__round__task__plan=plan).distinct()
    rows = VisitCoverage.objects.filter(visit__in=visits).aggregate(n=Count("id"))["n"]
    return max(0, rows - visits.count())


def task_rounds(task: Task) -> QuerySet[DrawRound]:
    return DrawRound.objects.filter(task=task).select_related("started_by", "redraw_of").order_by("round_no")


# --- results, corrections, follow-ups -----------------------------------------------------------


def visible_visits(user: User) -> QuerySet[Visit]:
    """Visits a user may read: an inspector their team's; staff and leaders those of tasks their
    department initiates or cooperates in; the office all."""
    if user.has_perm("inspections.record_visits"):
        return inspector_visits(user)
    qs = Visit.objects.all()
    mine = scoped(user, qs, "coverage__drawn__round__task__initiator") | scoped(
        user, qs, "coverage__drawn__round__task__cooperating"
    )
    return Visit.objects.filter(pk__in=mine.values("pk")).select_related("target")


def visit_results(visit: Visit) -> QuerySet[Result]:
    """Every version of the visit's result, newest first, with its items and categories."""
    return (
        Result.objects.filter(visit=visit)
        .select_related("entered_by", "approved_by")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=ItemResult.objects.select_related("task", "item", "item_version").prefetch_related(
                    "categories__parent"
                ),
            ),
            "evidence",
        )
        .order_by("-version")
    )


def visible_corrections(user: User) -> QuerySet[Correction]:
    """A leader: their unit's requests; an inspector: their own; staff and office: those of visits they see."""
    qs = Correction.objects.select_related("result__visit__target", "requested_by", "decided_by", "department")
    if user.has_perm("inspections.review_corrections") and user.department_id is not None:
        return qs.filter(department_id=user.department_id)
    if user.has_perm("inspections.record_visits"):
        return qs.filter(requested_by=user)
    return qs.filter(result__visit__in=visible_visits(user))


def visible_follow_ups(user: User) -> QuerySet[FollowUp]:
    """Ledger entries of the user's department (the office: all)."""
    qs = FollowUp.objects.select_related("target", "task__plan", "department", "visit", "item_result__item")
    return scoped(user, qs, "department")


def task_visits(task: Task, *, show: str = "", today: dt.date | None = None) -> QuerySet[Visit]:
    """The visits serving a task's current (not superseded) rounds; `show` narrows them to those
    awaiting entry ("pending"), past their entry deadline ("overdue") or entered late ("late")."""
    visits = (
        Visit.objects.filter(coverage__drawn__round__task=task, coverage__drawn__round__redrawn_by__isnull=True)
        .distinct()
        .select_related("target")
        .order_by("period_end", "target__name", "pk")
    )
    if show == "pending":
        return visits.filter(status=VisitStatus.DONE)
    if show == "overdue":
        return visits.filter(status=VisitStatus.DONE, entry_deadline__lt=today or timezone.localdate())
    if show == "late":
        return visits.filter(results__version=1, results__entered_late=True)
    return visits


@dataclass
class VisitCard:
    """What an inspector's list shows of one visit (no tier, ever)."""

    visit: Visit
    tasks: list[Task]
    team: list[TeamMember]
    items: list[str]
    methods: list[str]
    days_left: int | None


SECTION_TITLES = {
    "overdue": gettext_lazy("已逾期"),
    "to_enter": gettext_lazy("待录入结果"),
    "today": gettext_lazy("今日可检查"),
    "upcoming": gettext_lazy("即将开始"),
    "entered": gettext_lazy("近期已录入"),
}


def inspector_visit_sections(user: User, today: dt.date, entered_limit: int = 20) -> dict[str, list[VisitCard]]:
    """The inspector's visits by what needs doing: overdue (window or entry deadline passed),
    results to enter, visits whose window is open today, upcoming ones, and the latest entered."""
    visits = inspector_visits(user).prefetch_related(
        "coverage__drawn__round__task__items__versions",
        "coverage__drawn__team__expert",
        "coverage__drawn__team__inspector__department",
    )
    open_visits = list(visits.exclude(status=VisitStatus.ENTERED).order_by("period_end", "pk"))
    entered = list(visits.filter(status=VisitStatus.ENTERED).order_by("-visited_on", "-pk")[:entered_limit])
    first = min([today, *(v.visited_on for v in open_visits if v.visited_on)])
    last = max([today, *(v.entry_deadline for v in open_visits if v.entry_deadline)])
    calendar = WorkingDays.load(first.year, last.year)
    sections: dict[str, list[VisitCard]] = {key: [] for key in SECTION_TITLES}
    for visit in [*open_visits, *entered]:
        card = _card(visit, calendar, today)
        if visit.status == VisitStatus.ENTERED:
            key = "entered"
        elif visit.status == VisitStatus.DONE:
            key = "overdue" if visit.is_entry_overdue(today) else "to_enter"
        elif visit.period_end < today:
            key = "overdue"
        elif visit.period_start <= today:
            key = "today"
        else:
            key = "upcoming"
        sections[key].append(card)
    return sections


def _card(visit: Visit, calendar: WorkingDays, today: dt.date) -> VisitCard:
    tasks: dict[int, Task] = {}
    team: dict[tuple[str, int], TeamMember] = {}
    methods: dict[str, None] = {}
    items: dict[str, None] = {}
    for coverage in visit.coverage.all():
        task = coverage.drawn.round.task
        tasks[task.pk] = task
        if not task.items.all() and task.items_text:
            items[task.items_text] = None
        for item in task.items.all():
            for version in item.versions.all():
                if version.superseded_at is None:
                    items[version.name] = None
                    methods.update(dict.fromkeys(version.method_labels()))
        for member in coverage.drawn.team.all():
            team[("i", member.inspector_id) if member.inspector_id else ("e", member.expert_id or 0)] = member
    days_left = None
    if visit.entry_deadline and visit.status == VisitStatus.DONE:
        days_left = calendar.between(today, visit.entry_deadline)
    return VisitCard(visit, list(tasks.values()), list(team.values()), list(items), list(methods), days_left)


# --- the workbench: what each person must do today --------------------------------------------

CLOSING_DAYS = 15
# The navigation counts to-dos up to this many (and shows 99+ beyond).
TODO_CAP = 99


def inspector_todos(user: User, today: dt.date) -> dict[str, list[VisitCard]]:
    """An inspector's to-dos: visits overdue (window or entry deadline passed), results to enter
    (with working days left) and visits whose window is open today."""
    sections = inspector_visit_sections(user, today, entered_limit=0)
    return {key: sections[key] for key in ("overdue", "to_enter", "today")}


def _inspector_todo_q(today: dt.date) -> Q:
    return Q(status=VisitStatus.DONE) | Q(status=VisitStatus.PLANNED, period_start__lte=today)


def corrections_to_decide(user: User) -> QuerySet[Correction]:
    """A leader's unit's correction requests still waiting for a decision, oldest first."""
    if not user.has_perm("inspections.review_corrections"):
        return Correction.objects.none()
    return visible_corrections(user).filter(status=CorrectionStatus.PENDING).order_by("requested_at", "pk")


def _closing_months(today: dt.date) -> list[int]:
    """The months of today's year whose task window (see task_period) ends within CLOSING_DAYS."""
    last = today + dt.timedelta(days=CLOSING_DAYS)
    months = []
    for month in range(1, 13):
        end = min(
            dt.date(today.year, month, calendar.monthrange(today.year, month)[1]),
            dt.date(today.year, *TASK_END_DEADLINE),
        )
        if today <= end <= last:
            months.append(month)
    return months


def _staff_tasks(user: User) -> QuerySet[Task]:
    """This year's tasks the user's department initiates, of plans no longer drafts."""
    if not user.has_perm("registries.import_registry") or user.department_id is None:
        return Task.objects.none()
    return Task.objects.filter(initiator_id=user.department_id).exclude(plan__status=PlanStatus.DRAFT)


def _open_window_q(today: dt.date) -> Q:
    """The task's window (its months of today's year, to 20 December at the latest) contains today."""
    if today > dt.date(today.year, *TASK_END_DEADLINE):
        return Q(pk__in=[])
    return (
        Q(plan__year=today.year)
        & (Q(start_month__isnull=True) | Q(start_month__lte=today.month))
        & (Q(end_month__isnull=True) | Q(end_month__gte=today.month))
    )


def _closing_q(today: dt.date) -> Q:
    months = _closing_months(today)
    if not months:
        return Q(pk__in=[])
    q = Q(end_month__in=months)
    if 12 in months:
        q |= Q(end_month__isnull=True)
    return Q(plan__year=today.year) & q


def _drawn() -> Exists:
    return Exists(DrawRound.objects.filter(task=OuterRef("pk"), status=RoundStatus.DONE, redrawn_by__isnull=True))


def task_pending() -> Exists:
    """A task (OuterRef "pk") has a drawn row of an effective round whose visit has no result yet."""
    return Exists(
        VisitCoverage.objects.filter(
            drawn__round__task=OuterRef("pk"),
            drawn__round__status=RoundStatus.DONE,
            drawn__round__redrawn_by__isnull=True,
        ).exclude(visit__status=VisitStatus.ENTERED)
    )


def draws_to_run(user: User, today: dt.date) -> QuerySet[Task]:
    """Tasks of the user's department whose window is open and that nothing has been drawn for."""
    return (
        _staff_tasks(user)
        .filter(_open_window_q(today))
        .annotate(drawn=_drawn())
        .filter(drawn=False)
        .select_related("plan")
        .order_by("end_month", "plan", "number")
    )


def windows_closing(user: User, today: dt.date) -> QuerySet[Task]:
    """Tasks of the user's department whose window ends within CLOSING_DAYS days and that are not
    done: not drawn yet, or a drawn object's result not entered."""
    return (
        _staff_tasks(user)
        .filter(_closing_q(today))
        .annotate(drawn=_drawn(), unentered=task_pending())
        .filter(Q(drawn=False) | Q(unentered=True))
        .select_related("plan")
        .order_by("end_month", "plan", "number")
    )


def task_window_end(task: Task) -> dt.date:
    return task_period(task)[1]


def todo_count(user: User, today: dt.date, cap: int = TODO_CAP) -> int:
    """How many to-dos of the inspections app the user has, up to `cap` + 1, in one query (for
    the navigation: every count on a page is LIMITed)."""
    if user.has_perm("inspections.record_visits"):
        inspector_id = Inspector.objects.filter(user=user).values("pk")[:1]
        visits = Visit.objects.filter(coverage__drawn__team__inspector_id=inspector_id).filter(_inspector_todo_q(today))
        return visits.values("pk").distinct().order_by()[: cap + 1].count()
    if user.has_perm("inspections.review_corrections"):
        return corrections_to_decide(user).order_by()[: cap + 1].count()
    if user.has_perm("registries.import_registry") and user.department_id is not None:
        to_draw = _open_window_q(today) & Q(drawn=False)
        closing = _closing_q(today) & (Q(drawn=False) | Q(unentered=True))
        rows = (
            _staff_tasks(user)
            .annotate(drawn=_drawn(), unentered=task_pending())
            .filter(to_draw | closing)
            .annotate(
                to_draw=ExpressionWrapper(to_draw, output_field=BooleanField()),
                closing=ExpressionWrapper(closing, output_field=BooleanField()),
            )
            .order_by()
            .values_list("to_draw", "closing")[: cap + 1]
        )
        return sum(int(a) + int(b) for a, b in rows)
    return 0
