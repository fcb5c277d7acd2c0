"""Visits (进一次门，查多项事): targets drawn by several tasks in overlapping periods are visited once."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import DateField, Subquery, Value
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from inspections.bulk import insert_rows
from inspections.models import DrawnTarget, DrawRound, Visit, VisitCoverage, VisitStatus
from inspections.population import task_period


@transaction.atomic
def visits_sync_round(*, draw_round: DrawRound) -> int:
    """Put every drawn row of a finished round into a visit: an open visit of the same target whose
    window overlaps the task's period (the window narrows to the overlap), or a new one.

    A redraw first takes the replaced round's rows out of their visits. Returns visits created.
    """
    if draw_round.redraw_of_id:
        VisitCoverage.objects.filter(
            drawn__round_id=draw_round.redraw_of_id, visit__status=VisitStatus.PLANNED
        ).delete()
        Visit.objects.filter(status=VisitStatus.PLANNED, coverage__isnull=True).delete()
    start, end = task_period(draw_round.task)
    # Join open visits of the same targets whose window overlaps (few: merged tasks).
    # order_by(): the default ordering of drawn rows joins round, task, plan and department.
    round_targets = DrawnTarget.objects.filter(round=draw_round).order_by().values("target_id")
    open_visits: dict[int, list[Visit]] = {}
    candidates = Visit.objects.filter(
        status=VisitStatus.PLANNED, target_id__in=Subquery(round_targets), period_start__lte=end, period_end__gte=start
    )
    for visit in candidates.order_by("id"):
        open_visits.setdefault(visit.target_id, []).append(visit)
    if open_visits:
        drawn = DrawnTarget.objects.filter(
            round=draw_round, coverage__isnull=True, target_id__in=list(open_visits)
        ).order_by()
        joined = [
            VisitCoverage(visit=open_visits[target_id][0], drawn_id=drawn_id)
            for drawn_id, target_id in drawn.values_list("id", "target_id")
        ]
        VisitCoverage.objects.bulk_create(joined, batch_size=5000)
        # Each joined visit's window narrows to its overlap with this task's period: one statement.
        Visit.objects.filter(pk__in={c.visit_id for c in joined}).update(
            period_start=Greatest("period_start", Value(start, DateField())),
            period_end=Least("period_end", Value(end, DateField())),
        )
    # The rest get a visit each: one INSERT ... RETURNING and one COPY, no join to plan badly.
    rest = list(
        DrawnTarget.objects.filter(round=draw_round, coverage__isnull=True).order_by().values_list("id", "target_id")
    )
    if not rest:
        return 0
    targets = [target_id for _d, target_id in rest]
    visit_table = connection.ops.quote_name(Visit._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {visit_table} (target_id, period_start, period_end, status, created_at) "
            "SELECT unnest(%s::bigint[]), %s, %s, %s, %s RETURNING id, target_id",
            [targets, start, end, VisitStatus.PLANNED, timezone.now()],
        )
        visit_of = {target_id: visit_id for visit_id, target_id in cursor.fetchall()}
    insert_rows(VisitCoverage, ["visit", "drawn"], [(visit_of[target_id], drawn_id) for drawn_id, target_id in rest])
    return len(visit_of)
