"""Reads of the inspections app: rounds a user may see, drawn lists, visits, figures."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from inspections.models import DrawnTarget, DrawRound, RoundStatus, TeamMember, Visit, VisitCoverage, VisitStatus
from plans.models import Plan, Task
from registries.access import scoped
from registries.models import Role, User


def visible_rounds(user: User) -> QuerySet[DrawRound]:
    """Rounds of tasks whose initiating or cooperating department is the user's (the office: all)."""
    qs = DrawRound.objects.select_related("task__plan", "task__initiator")
    mine = scoped(user, qs, "task__initiator") | scoped(user, qs, "task__cooperating")
    return mine.distinct()


def can_see_tiers(user: User, draw_round: DrawRound) -> bool:
    """Tiers are for the staff who plan the draw (the initiating department) and the office."""
    return bool(
        user.role == Role.OFFICE
        or (user.role in (Role.STAFF, Role.LEADER) and user.department_id == draw_round.task.initiator_id)
    )


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
        Q(coverage__isnull=True) | ~Q(coverage__visit__status=VisitStatus.DONE)
    )
    return not pending.exists()


def public_rounds() -> QuerySet[DrawRound]:
    """Finished rounds whose visits are all done: the drawn list and the secret become public."""
    pending = DrawnTarget.objects.filter(round=OuterRef("pk")).filter(
        Q(coverage__isnull=True) | ~Q(coverage__visit__status=VisitStatus.DONE)
    )
    return (
        DrawRound.objects.filter(status=RoundStatus.DONE)
        .annotate(pending=Exists(pending))
        .filter(pending=False)
        .select_related("task__plan__owner", "task__initiator")
    )


def inspector_visits(user: User) -> QuerySet[Visit]:
    """The visits whose team includes this inspector: nobody else's."""
    inspector = getattr(user, "inspector", None)
    if user.role != Role.INSPECTOR or inspector is None:
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
