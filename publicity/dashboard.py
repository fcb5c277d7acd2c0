"""The leading-group office's figures for a year: per department and in total.

Each figure is a handful of aggregate queries (GROUP BY the initiating department), never a
loop over rows: the page must answer in well under a second on a registry of a million
targets (benchmarks/dashboard.py). Attribution: a task, its rounds, drawn rows, visits and
results belong to the task's initiating department (发起部门); enterprise coverage belongs to
the department that maintains the target in the registry; a follow-up to the department that
handles it. A visit that serves tasks of two departments counts once for each, and once in
the total, so department rows of visits need not add up to the total.

Tiers appear here only as aggregates (find rate per tier, realised ratio per tier): this page
is for staff who plan draws and for the office, never public.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credit_risk.allocation import ALL_TIERS, tier_rates
from credit_risk.models import Tier
from inspections.models import (
    DrawnTarget,
    DrawRound,
    FollowUp,
    FollowUpStatus,
    ItemResult,
    Result,
    Visit,
    VisitCoverage,
    VisitStatus,
)
from inspections.population import effective_rounds
from inspections.selectors import task_pending
from plans.models import TASK_END_DEADLINE, PlanStatus, Task
from publicity.models import FairnessCheck, PublicationIssue, PublishedResult, YearGoals
from registries.models import MARKET_ENTITY_KINDS, Department, Target, TargetKind, TargetStatus

VISITED = (VisitStatus.DONE, VisitStatus.ENTERED)
HUNDRED = Decimal(100)
TIER_LABELS = {**dict(Tier.choices), "-": gettext_lazy("未按分类抽取")}


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class Row:
    """One department's figures (or the total)."""

    department_id: int | None
    name: str
    tasks_planned: int = 0
    tasks_started: int = 0
    tasks_finished: int = 0
    tasks_not_started: int = 0  # the window is open and no draw yet
    tasks_expired: int = 0  # the window has ended without a draw
    tasks_tiered: int = 0
    tasks_tierable: int = 0  # started tasks drawing market entities: the ones tiers apply to
    drawn: int = 0
    drawn_tiered: int = 0
    drawn_tierable: int = 0
    visits_done: int = 0
    visit_rows_done: int = 0  # task inspections carried out (one visit may serve several)
    visits_entered: int = 0
    visits_overdue: int = 0
    entered_late: int = 0
    inspections_entered: int = 0  # (visit, task) pairs with a result
    published: int = 0
    enterprises: int = 0
    enterprises_inspected: int = 0
    follow_ups_open: int = 0
    follow_ups_overdue: int = 0

    @property
    def visits_saved(self) -> int:
        return max(0, self.visit_rows_done - self.visits_done)

    @property
    def coverage(self) -> Decimal | None:
        return percent(self.enterprises_inspected, self.enterprises)

    @property
    def entry_rate(self) -> Decimal | None:
        return percent(self.visits_entered, self.visits_done)

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.visits_entered - self.entered_late, self.visits_done)

    @property
    def publicity_rate(self) -> Decimal | None:
        return percent(self.published, self.inspections_entered)

    @property
    def tier_use_tasks(self) -> Decimal | None:
        return percent(self.tasks_tiered, self.tasks_tierable)

    @property
    def tier_use_drawn(self) -> Decimal | None:
        return percent(self.drawn_tiered, self.drawn_tierable)


@dataclass
class TierFinds:
    tier: str
    label: str
    visits: int
    problems: int

    @property
    def per_hundred(self) -> Decimal | None:
        return percent(self.problems, self.visits)


@dataclass
class TierRatio:
    tier: str
    label: str
    population: int
    drawn: int
    planned: Fraction

    @property
    def realised_percent(self) -> Decimal | None:
        return percent(self.drawn, self.population)

    @property
    def planned_percent(self) -> Decimal:
        return (Decimal(self.planned.numerator) * HUNDRED / Decimal(self.planned.denominator)).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )

    @property
    def expected(self) -> Decimal:
        return (Decimal(self.planned.numerator) * self.population / Decimal(self.planned.denominator)).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )


@dataclass
class Goals:
    coverage: Decimal
    tier_use: Decimal


@dataclass
class Alarm:
    key: str
    text: str
    count: int


# The goals a row can miss (Figures.missed): each is a red cell on the dashboard and in the exports.
MISSABLE = ("coverage", "entry", "publicity", "tier_use", "tier_use_drawn", "not_started", "expired", "follow_ups")


@dataclass
class Figures:
    year: int
    today: dt.date
    department: Department | None
    goals: Goals
    rows: list[Row]
    total: Row
    finds: list[TierFinds]
    ratios: list[TierRatio]
    fairness_checked: int
    fairness_flagged: int
    publication_issues_open: int
    publication_issues_year: int
    months: list[dict[str, int]] = field(default_factory=list)

    def missed(self, row: Row) -> dict[str, bool]:
        """Which goals the row misses: these cells are red. A department with no task in the
        year misses no goal: its row is neutral, marked "no_tasks" (shown as 无任务)."""
        if row.tasks_planned == 0:
            return dict.fromkeys(MISSABLE, False) | {"no_tasks": True}
        coverage, tier_use = row.coverage, row.tier_use_tasks
        return {
            "no_tasks": False,
            "coverage": coverage is not None and coverage < self.goals.coverage,
            "entry": row.visits_entered < row.visits_done or row.entered_late > 0 or row.visits_overdue > 0,
            "publicity": row.published < row.inspections_entered,
            "tier_use": tier_use is not None and tier_use < self.goals.tier_use,
            "tier_use_drawn": row.tier_use_drawn is not None and row.tier_use_drawn < self.goals.tier_use,
            "not_started": row.tasks_not_started > 0,
            "expired": row.tasks_expired > 0,
            "follow_ups": row.follow_ups_overdue > 0,
        }

    @property
    def total_missed(self) -> dict[str, bool]:
        missed = self.missed(self.total)
        missed["publicity"] = missed["publicity"] or self.publication_issues_open > 0
        return missed

    @property
    def alarms(self) -> list[Alarm]:
        out = []
        if self.publication_issues_open or self.total.published < self.total.inspections_entered:
            out.append(
                Alarm(
                    "unpublished",
                    _("有已录入但未公示的检查结果（公示率应为100%）"),
                    max(self.publication_issues_open, self.total.inspections_entered - self.total.published),
                )
            )
        if self.publication_issues_year:
            out.append(Alarm("publication_issues", _("本年度发生的公示失败或补公示"), self.publication_issues_year))
        if self.fairness_flagged:
            out.append(
                Alarm("fairness", _("抽取结果在分类内存在区域或行业偏向（卡方检验 p<0.01）"), self.fairness_flagged)
            )
        return out


def goals_for(year: int) -> Goals:
    stored = YearGoals.objects.filter(year=year).first()
    if stored is None:
        return Goals(coverage=Decimal(3), tier_use=Decimal(60))
    return Goals(coverage=stored.coverage_percent, tier_use=stored.tier_use_percent)


def half_year_end(year: int) -> dt.date:
    """The last day the half-year summary (due 10 June) covers: 30 June."""
    return dt.date(year, 6, 30)


def year_tasks(year: int, department_id: int | None = None, *, until: dt.date | None = None) -> QuerySet[Task]:
    """Tasks of the year's published plans (the ones the public and the office see); with
    `until`, only those whose window opens by that day (a task without months opens in January)."""
    tasks = Task.objects.filter(plan__year=year).exclude(plan__status=PlanStatus.DRAFT)
    if department_id is not None:
        tasks = tasks.filter(initiator_id=department_id)
    if until is not None:
        tasks = tasks.filter(Q(start_month__isnull=True) | Q(start_month__lte=until.month))
    return tasks


def year_rounds(year: int, department_id: int | None = None, *, until: dt.date | None = None) -> QuerySet[DrawRound]:
    """The year's effective rounds; with `until`, only those finished by the end of that day."""
    rounds = effective_rounds().filter(task__plan__year=year).exclude(task__plan__status=PlanStatus.DRAFT)
    if department_id is not None:
        rounds = rounds.filter(task__initiator_id=department_id)
    if until is not None:
        rounds = rounds.filter(finished_at__lt=_day_after(until))
    return rounds


def _day_after(day: dt.date) -> dt.datetime:
    """Midnight (local time) after `day`: datetimes before it fall on or before the day."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def period_started(task_start_month: int | None, year: int, today: dt.date) -> bool:
    return today >= dt.date(year, task_start_month or 1, 1)


def period_ended(task_end_month: int | None, year: int, today: dt.date) -> bool:
    """The task's window (to the end of its last month, 20 December at the latest) is over."""
    end_month = task_end_month or 12
    end = min(dt.date(year, end_month, calendar.monthrange(year, end_month)[1]), dt.date(year, *TASK_END_DEADLINE))
    return today > end


def undrawn_state(start_month: int | None, end_month: int | None, year: int, today: dt.date) -> str:
    """Of a task not drawn: "expired" (window ended), "not_started" (window open) or "" (not open yet)."""
    if period_ended(end_month, year, today):
        return "expired"
    return "not_started" if period_started(start_month, year, today) else ""


def draws_market_entities(scope_kinds: list[str] | None) -> bool:
    """Tiers apply to draws of market entities (企业, 个体工商户, 合作社); a scope by tags or a
    warning population (no kinds named) is taken as such. Schools or projects never count."""
    return not scope_kinds or set(scope_kinds) <= MARKET_ENTITY_KINDS


def rounds_drawn() -> Coalesce:
    """How many effective rounds a task (OuterRef "pk") has drawn."""
    counted = effective_rounds().filter(task=OuterRef("pk")).order_by().values("task").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")[:1]), 0)


def rounds_due() -> Coalesce:
    """The rounds a task owes this year (times per year; once when not set)."""
    return Coalesce(F("times_per_year"), 1)


def own_problem() -> Exists:
    """A coverage row (OuterRef) whose visit's current result found a problem in an item of the
    row's own task: a visit merged for several tasks credits each with its own findings only."""
    newer = Result.objects.filter(visit=OuterRef("result__visit"), version__gt=OuterRef("result__version"))
    return Exists(
        ItemResult.objects.filter(
            result__visit=OuterRef("visit_id"), task=OuterRef("drawn__round__task_id"), problem_found=True
        )
        .annotate(superseded=Exists(newer))
        .filter(superseded=False)
    )


class _Rows:
    """The rows being counted: one per department met, and the total."""

    def __init__(self) -> None:
        self.by_department: dict[int | None, Row] = {}
        self.total = Row(None, "")

    def __getitem__(self, pk: int | None) -> Row:
        if pk not in self.by_department:
            self.by_department[pk] = Row(pk, "")
        return self.by_department[pk]

    def both(self, pk: int | None) -> tuple[Row, Row]:
        """The department's row and the total, for figures that add up."""
        return self[pk], self.total


@dataclass
class _Year:
    """The year's tasks and effective rounds, read once (a few hundred rows)."""

    tasks: Sequence[tuple[int, int | None, int | None, int | None, int | None, list[str] | None]]
    rounds: list[DrawRound]

    @property
    def round_ids(self) -> list[int]:
        return [r.pk for r in self.rounds]

    @property
    def task_department(self) -> dict[int, int | None]:
        return {pk: initiator for pk, initiator, *_rest in self.tasks}

    @property
    def tierable(self) -> set[int]:
        return {pk for pk, *_rest, kinds in self.tasks if draws_market_entities(kinds)}


def _year(year: int, dept_id: int | None, until: dt.date | None = None) -> _Year:
    tasks = list(
        year_tasks(year, dept_id, until=until).values_list(
            "pk", "initiator_id", "start_month", "end_month", "times_per_year", "scope_kinds"
        )
    )
    rounds = list(
        year_rounds(year, dept_id, until=until)
        .select_related("task__policy")
        .only(
            "pk",
            "task_id",
            "uses_tiers",
            "counts",
            "population_per_tier",
            *(f"task__{f}" for f in ("ratio_kind", "ratio_percent", "ratio_count", "times_per_year", "policy")),
            "task__policy__rules",
            "task__policy__warning_percent",
        )
        .order_by("pk")
    )
    return _Year(tasks, rounds)


def _count_tasks(rows: _Rows, data: _Year, *, year: int, today: dt.date) -> None:
    """Tasks planned, started (drawn), tiered, finished, and not started though their period began."""
    pending_rounds = set(
        VisitCoverage.objects.filter(drawn__round_id__in=data.round_ids)
        .exclude(visit__status=VisitStatus.ENTERED)
        .order_by()
        .values_list("drawn__round_id", flat=True)
        .distinct()
    )
    rounds_of: dict[int, list[DrawRound]] = defaultdict(list)
    for r in data.rounds:
        rounds_of[r.task_id].append(r)
    tierable = data.tierable
    for pk, initiator, start_month, end_month, times, _kinds in data.tasks:
        task_rounds = rounds_of.get(pk, [])
        for target_row in rows.both(initiator):
            target_row.tasks_planned += 1
            if task_rounds:
                target_row.tasks_started += 1
                target_row.tasks_tiered += any(r.uses_tiers for r in task_rounds)
                target_row.tasks_tierable += pk in tierable
                # Finished: every round the task owes this year drawn, and every visit entered.
                target_row.tasks_finished += len(task_rounds) >= (times or 1) and not any(
                    r.pk in pending_rounds for r in task_rounds
                )
            else:
                state = undrawn_state(start_month, end_month, year, today)
                target_row.tasks_not_started += state == "not_started"
                target_row.tasks_expired += state == "expired"


def _count_drawn(rows: _Rows, data: _Year) -> None:
    """Objects drawn, drawn by tier, and drawn where tiers apply."""
    task_dept, tierable = data.task_department, data.tierable
    for r in data.rounds:
        n = r.drawn_count
        for target_row in rows.both(task_dept.get(r.task_id)):
            target_row.drawn += n
            target_row.drawn_tiered += n if r.uses_tiers else 0
            target_row.drawn_tierable += n if r.task_id in tierable or r.uses_tiers else 0


def _year_coverage(round_ids: list[int], until: dt.date | None = None) -> QuerySet[VisitCoverage]:
    """The coverage rows of the year's rounds, each marked whether its visit is entered
    (is_entered) and its (visit, task) published (is_published). With `until`: a visit made after
    that day is left out, and a visit counts as entered only if its result was entered by then."""
    coverage = VisitCoverage.objects.filter(drawn__round_id__in=round_ids)
    if until is None:
        entered: Exists | ExpressionWrapper = ExpressionWrapper(
            Q(visit__status=VisitStatus.ENTERED), output_field=BooleanField()
        )
    else:
        coverage = coverage.exclude(visit__visited_on__gt=until)
        entered = Exists(Result.objects.filter(visit=OuterRef("visit_id"), entered_at__lt=_day_after(until)))
    return (
        coverage.annotate(is_entered=entered)
        .annotate(
            is_published=Exists(
                PublishedResult.objects.filter(visit=OuterRef("visit_id"), task=OuterRef("drawn__round__task_id"))
            )
        )
        .order_by()
    )


def _count_visits(rows: _Rows, coverage: QuerySet[VisitCoverage], *, today: dt.date) -> None:
    """Visits, entries, deadlines: one grouped query and one for the distinct totals. The
    publicity rate counts the same rows on both sides: entered (visit, task) coverage rows, and
    those of them whose (visit, task) has a publication."""
    visit_counts = {
        "visits_done": Count("visit_id", distinct=True, filter=Q(visit__status__in=VISITED)),
        "visit_rows_done": Count("id", filter=Q(visit__status__in=VISITED)),
        "visits_entered": Count("visit_id", distinct=True, filter=Q(is_entered=True)),
        "inspections_entered": Count("id", filter=Q(is_entered=True)),
        "published": Count("id", filter=Q(is_entered=True, is_published=True)),
        "visits_overdue": Count(
            "visit_id",
            distinct=True,
            filter=Q(visit__status__in=VISITED, is_entered=False, visit__entry_deadline__lt=today),
        ),
    }
    for values in coverage.values("drawn__round__task__initiator_id").annotate(**visit_counts):
        target_row = rows[values.pop("drawn__round__task__initiator_id")]
        for name, value in values.items():
            setattr(target_row, name, value)
    for name, value in coverage.aggregate(**visit_counts).items():
        setattr(rows.total, name, value or 0)


def _count_late_entries(rows: _Rows, round_ids: list[int], until: dt.date | None = None) -> None:
    """Visits whose first result was entered after the deadline (by the end of `until`, when given)."""
    late = Result.objects.filter(
        version=1, entered_late=True, visit__coverage__drawn__round_id__in=round_ids
    ).order_by()
    if until is not None:
        late = late.filter(entered_at__lt=_day_after(until))
    for dept, n in late.values_list("visit__coverage__drawn__round__task__initiator_id").annotate(
        n=Count("visit_id", distinct=True)
    ):
        rows[dept].entered_late = n
    rows.total.entered_late = late.aggregate(n=Count("visit_id", distinct=True))["n"] or 0


def _count_enterprise_coverage(rows: _Rows, *, year: int, dept_id: int | None, until: dt.date | None) -> None:
    """Enterprise coverage: targets maintained by each department (registry-wide denominator)."""
    enterprises = Target.objects.filter(kind=TargetKind.ENTERPRISE, status=TargetStatus.ACTIVE).order_by()
    inspected = (
        Visit.objects.filter(status__in=VISITED, visited_on__year=year, target__kind=TargetKind.ENTERPRISE)
        .filter(target__status=TargetStatus.ACTIVE)
        .order_by()
    )
    if until is not None:
        inspected = inspected.filter(visited_on__lte=until)
    if dept_id is not None:
        enterprises = enterprises.filter(department_id=dept_id)
        inspected = inspected.filter(target__department_id=dept_id)
    for dept, n in enterprises.values_list("department_id").annotate(n=Count("id")):
        rows[dept].enterprises = n
        rows.total.enterprises += n
    for dept, n in inspected.values_list("target__department_id").annotate(n=Count("target_id", distinct=True)):
        rows[dept].enterprises_inspected = n
    rows.total.enterprises_inspected = inspected.aggregate(n=Count("target_id", distinct=True))["n"] or 0


def _count_follow_ups(rows: _Rows, *, year: int, today: dt.date, dept_id: int | None) -> None:
    """Follow-ups still open, and those of them past their due date."""
    follow_ups = FollowUp.objects.filter(task__plan__year=year).order_by()
    if dept_id is not None:
        follow_ups = follow_ups.filter(department_id=dept_id)
    open_q = Q(status=FollowUpStatus.OPEN)
    for dept, n_open, n_over in follow_ups.values_list("department_id").annotate(
        o=Count("id", filter=open_q), d=Count("id", filter=open_q & Q(due_on__lt=today))
    ):
        dept_row = rows[dept]
        dept_row.follow_ups_open, dept_row.follow_ups_overdue = n_open, n_over
        rows.total.follow_ups_open += n_open
        rows.total.follow_ups_overdue += n_over


def _tier_finds(round_ids: list[int], until: dt.date | None = None) -> list[TierFinds]:
    """Find rate per tier: entered visits of each drawn row's tier, and those where the current
    result found a problem in an item of that row's own task (a merged visit credits each task
    with its own findings only)."""
    entered = _year_coverage(round_ids, until).filter(Q(is_entered=True)).order_by()
    visits_by = dict(entered.values_list("drawn__tier").annotate(n=Count("visit_id", distinct=True)))
    problems_by = dict(
        entered.annotate(found=own_problem())
        .filter(found=True)
        .values_list("drawn__tier")
        .annotate(n=Count("visit_id", distinct=True))
    )
    order = [*ALL_TIERS, "-"]
    return [
        TierFinds(t, str(TIER_LABELS.get(t, t)), visits_by[t], problems_by.get(t, 0))
        for t in sorted(visits_by, key=lambda t: order.index(t) if t in order else 99)
    ]


def _named_rows(rows: _Rows, department: Department | None) -> tuple[list[Row], Row]:
    """The department rows named and sorted (only the asked department's, when one is), and the total."""
    unnamed = _("（未指定部门）")
    keys = [k for k in rows.by_department if k is not None]
    names = dict(Department.objects.filter(pk__in=keys).values_list("pk", "name"))
    for dept_pk, dept_row in rows.by_department.items():
        dept_row.name = names.get(dept_pk, unnamed) if dept_pk is not None else unnamed
    ordered = sorted(rows.by_department.values(), key=lambda x: (x.department_id is None, x.name))
    if department is None:
        rows.total.name = _("合计")
        return ordered, rows.total
    ordered = [x for x in ordered if x.department_id == department.pk] or [Row(department.pk, department.name)]
    return ordered, _copy_named(ordered[0], _("合计"))


def figures(
    *, year: int, today: dt.date, department: Department | None = None, until: dt.date | None = None
) -> Figures:
    """Every figure of the year, per department (the initiating one) and in total. With `until`
    (the half-year summary: 30 June), only tasks opening, rounds drawn, visits made and results
    entered by that day, counted as of that day."""
    if until is not None:
        today = min(today, until)
    dept_id = department.pk if department else None
    data = _year(year, dept_id, until)
    rows = _Rows()
    _count_tasks(rows, data, year=year, today=today)
    _count_drawn(rows, data)
    coverage = _year_coverage(data.round_ids, until)
    _count_visits(rows, coverage, today=today)
    _count_late_entries(rows, data.round_ids, until)
    _count_enterprise_coverage(rows, year=year, dept_id=dept_id, until=until)
    _count_follow_ups(rows, year=year, today=today, dept_id=dept_id)

    fairness = FairnessCheck.objects.filter(round_id__in=data.round_ids).aggregate(
        n=Count("round_id", distinct=True), f=Count("id", filter=Q(flagged=True))
    )
    issues = PublicationIssue.objects.filter(result__visit__coverage__drawn__round_id__in=data.round_ids).order_by()
    issue_counts = issues.aggregate(
        open=Count("id", distinct=True, filter=Q(resolved_at__isnull=True)), year=Count("id", distinct=True)
    )
    ordered, total = _named_rows(rows, department)
    return Figures(
        year=year,
        today=today,
        department=department,
        goals=goals_for(year),
        rows=ordered,
        total=total,
        finds=_tier_finds(data.round_ids, until),
        ratios=_tier_ratios(data.rounds),
        fairness_checked=fairness["n"] or 0,
        fairness_flagged=fairness["f"] or 0,
        publication_issues_open=issue_counts["open"] or 0,
        publication_issues_year=issue_counts["year"] or 0,
        months=_months(coverage, year),
    )


def _copy_named(row: Row, name: str) -> Row:
    return Row(**{**row.__dict__, "name": name})


def _tier_ratios(rounds: Iterable[DrawRound]) -> list[TierRatio]:
    """Per tier, over the year's tiered rounds: objects in scope, drawn, and the policy's planned share."""
    from credit_risk.allocation import PolicySpec
    from inspections.services.draws import DEFAULT_POLICY

    population: dict[str, int] = defaultdict(int)
    drawn: dict[str, int] = defaultdict(int)
    planned: dict[str, Fraction] = defaultdict(Fraction)
    for r in rounds:
        if not r.uses_tiers:
            continue
        task = r.task
        policy: PolicySpec = task.policy.as_spec() if task.policy else DEFAULT_POLICY
        per_tier = {t: int(n) for t, n in (r.population_per_tier or {}).items()}
        rates = tier_rates(task.ratio_spec(), policy, sum(per_tier.values()))
        for tier, n in per_tier.items():
            population[tier] += n
            drawn[tier] += int((r.counts or {}).get(tier, 0))
            planned[tier] += n * rates.get(tier, Fraction(0))
    out = []
    for tier in ALL_TIERS:
        if population.get(tier):
            share = planned[tier] / population[tier]
            out.append(TierRatio(tier, str(TIER_LABELS[tier]), population[tier], drawn[tier], share))
    return out


def _months(coverage: QuerySet[VisitCoverage], year: int) -> list[dict[str, int]]:
    """Visits done per month of the year (progress chart), cumulative."""
    done = dict(
        coverage.filter(visit__status__in=VISITED, visit__visited_on__year=year)
        .annotate(m=ExtractMonth("visit__visited_on"))
        .values_list("m")
        .annotate(n=Count("visit_id", distinct=True))
    )
    running = 0
    out = []
    for month in range(1, 13):
        running += done.get(month, 0)
        out.append({"month": month, "done": done.get(month, 0), "cumulative": running})
    return out


# --- drill-downs: the rows behind a figure -----------------------------------------------------------

DRILLS = {
    "tasks_planned": gettext_lazy("计划任务"),
    "tasks_started": gettext_lazy("已启动任务"),
    "tasks_finished": gettext_lazy("已完成任务"),
    "tasks_not_started": gettext_lazy("检查期已开始仍未抽取"),
    "tasks_expired": gettext_lazy("检查期已结束仍未抽取"),
    "visits_done": gettext_lazy("已完成检查"),
    "visits_overdue": gettext_lazy("逾期未录入结果"),
    "entered_late": gettext_lazy("逾期录入结果"),
    "unpublished": gettext_lazy("已录入未公示结果"),
    "follow_ups_open": gettext_lazy("未办结后续处理"),
    "follow_ups_overdue": gettext_lazy("逾期后续处理"),
    "fairness_flagged": gettext_lazy("存在偏向的抽取"),
}


def drill_rows(*, key: str, year: int, today: dt.date, department_id: int | None) -> QuerySet[Any]:
    """The rows behind one figure, scoped to a department when given (a QuerySet to paginate)."""
    rounds = year_rounds(year, department_id)
    round_ids = rounds.values("pk")
    if key.startswith("tasks_"):
        tasks = (
            year_tasks(year, department_id)
            .select_related("plan", "initiator")
            .order_by("initiator__name", "plan", "number")
        )
        has_round = Exists(effective_rounds().filter(task=OuterRef("pk")))
        tasks = tasks.annotate(started=has_round, pending=task_pending(), rounds=rounds_drawn())
        if key == "tasks_started":
            return tasks.filter(started=True)
        if key == "tasks_finished":
            return tasks.filter(started=True, pending=False, rounds__gte=rounds_due())
        if key in ("tasks_not_started", "tasks_expired"):
            # The same rule as the counts (a few hundred tasks a year): the window's state per task.
            undrawn = tasks.filter(started=False).values_list("pk", "start_month", "end_month", "plan__year")
            pks = [pk for pk, start, end, y in undrawn if undrawn_state(start, end, y, today) == key[len("tasks_") :]]
            return tasks.filter(pk__in=pks)
        return tasks
    visits = Visit.objects.filter(coverage__drawn__round_id__in=round_ids).distinct().select_related("target")
    if key == "visits_done":
        return visits.filter(status__in=VISITED).order_by("-visited_on", "pk")
    if key == "visits_overdue":
        return visits.filter(status=VisitStatus.DONE, entry_deadline__lt=today).order_by("entry_deadline", "pk")
    if key == "entered_late":
        return visits.filter(results__version=1, results__entered_late=True).order_by("entry_deadline", "pk")
    if key == "unpublished":
        from publicity.services import unpublished_results

        return (
            unpublished_results()
            .filter(visit__coverage__drawn__round_id__in=round_ids)
            .distinct()
            .select_related("visit__target")
            .order_by("entered_at")
        )
    if key.startswith("follow_ups_"):
        follow_ups = FollowUp.objects.filter(task__plan__year=year, status=FollowUpStatus.OPEN).select_related(
            "target", "task", "department"
        )
        if department_id is not None:
            follow_ups = follow_ups.filter(department_id=department_id)
        if key == "follow_ups_overdue":
            follow_ups = follow_ups.filter(due_on__lt=today)
        return follow_ups.order_by("due_on", "pk")
    if key == "fairness_flagged":
        return (
            FairnessCheck.objects.filter(round_id__in=round_ids, flagged=True)
            .select_related("round__task__initiator")
            .order_by("round_id", "tier")
        )
    return DrawnTarget.objects.none()


def task_progress(*, year: int, department_id: int | None, until: dt.date | None = None) -> list[dict[str, Any]]:
    """One line per task of the year for the reports: drawn, visited, entered, problems found
    (with `until`, the tasks, rounds and visits of the year up to that day)."""
    from inspections.population import task_period

    tasks = list(
        year_tasks(year, department_id, until=until)
        .select_related("plan__owner", "initiator")
        .order_by("plan", "number")
    )
    rounds = list(year_rounds(year, department_id, until=until).only("pk", "task_id", "counts"))
    drawn: dict[int, int] = defaultdict(int)
    for r in rounds:
        drawn[r.task_id] += r.drawn_count
    counts = {
        v["drawn__round__task_id"]: v
        for v in _year_coverage([r.pk for r in rounds], until)
        .order_by()
        .annotate(problem=own_problem())
        .values("drawn__round__task_id")
        .annotate(
            done=Count("id", filter=Q(visit__status__in=VISITED)),
            entered=Count("id", filter=Q(is_entered=True)),
            problems=Count("id", filter=Q(problem=True)),
        )
    }
    out = []
    for task in tasks:
        start, end = task_period(task)
        c = counts.get(task.pk, {})
        out.append(
            {
                "计划": task.plan.title,
                "序号": task.number,
                "抽查任务": task.name,
                "发起部门": task.initiator.name if task.initiator else "",
                "检查期间": f"{start:%Y-%m-%d}至{end:%Y-%m-%d}",
                "抽取对象数": drawn.get(task.pk, 0),
                "已检查": c.get("done", 0),
                "已录入": c.get("entered", 0),
                "发现问题": c.get("problems", 0),
            }
        )
    return out
