"""A year of activity for the demo county, so that every dashboard figure means something.

On top of `load_demo` (registries/demo): credit-risk tiers for the market entities, this
year's plans of the county market regulation bureau and of the development and reform
bureau, published (and the two real sample tables of ../shared/samples as the 2022 and 2023
plans, when they are there); draw rounds for most tasks; visits done, results entered through the services
(a few late, some with problems, follow-ups opened, some closed), so the public site has
results and the dashboard shows coverage, late and overdue entries, merged visits, find
rates by tier and a task that never started.

Deterministic (seeded) and safe to run twice: a second run finds the demo plan and does
nothing. Time is travelled (time-machine, a development dependency) so that each visit and
entry happens on its own day of the year, with the real 20-working-day window.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from credit_risk.models import CurrentTier, TierAssessment, TierPolicy, TierSource
from inspections.models import DrawRound, FollowUp, ResultCategory, StepKind, TeamMember, Visit
from inspections.population import task_period
from plans.models import Plan, RatioKind, Task, TaskType
from registries.models import (
    MARKET_ENTITY_KINDS,
    ChecklistItem,
    Department,
    Inspector,
    Role,
    Tag,
    Target,
    TargetStatus,
    User,
)

logger = logging.getLogger(__name__)

SEED = 20260522
SHANGHAI = ZoneInfo("Asia/Shanghai")
AMR = "阳城县市场监督管理局"
DRC = "阳城县发展和改革局"
MARKER = "（演示）"
SAMPLE = "plan-2022-county-drc.xlsx"
CITY_SAMPLE = "plan-2023-city-amr.xlsx"
CITY_AMR = "晋城市市场监督管理局"
TIER_WEIGHTS = (("A", 30), ("B", 50), ("C", 15), ("D", 5))
PROBLEM_RATE = {"A": 0.04, "B": 0.08, "C": 0.25, "D": 0.45}


@dataclass(frozen=True)
class TaskSpec:
    number: int
    name: str
    tag: str | None
    percent: str
    start: int
    end: int
    tiers: bool
    items: tuple[str, ...]
    draw: bool = True
    complete: bool = False  # every visit done and entered on time: a finished task


AMR_TASKS = [
    # items by their checklist names (registries/demo/checklist.py), as the task's name says
    TaskSpec(1, "食品经营企业双随机抽查", "食品经营企业", "10", 3, 10, True, ("食品经营（销售）企业监督检查",)),
    TaskSpec(2, "食品生产企业监督检查", "食品生产企业", "20", 4, 10, True, ("食品生产监督检查",)),
    TaskSpec(3, "加油站计量器具监督检查", "加油站", "20", 5, 11, False, ("在用计量器具的监督检查",), complete=True),
    TaskSpec(4, "企业公示信息抽查", None, "2", 3, 11, False, ("公示信息检查",)),
    TaskSpec(
        5, "眼镜制配场所计量监督检查", "眼镜制配场所", "20", 6, 11, False, ("在用计量器具的监督检查",), draw=False
    ),
    # Same scope as task 1 in the same months: the objects both draw are visited once (进一次门).
    TaskSpec(6, "食品经营企业公示信息检查", "食品经营企业", "15", 3, 10, False, ("公示信息检查",)),
]


@dataclass
class Stats:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.created[key] = self.created.get(key, 0) + n

    def summary(self) -> str:
        return "，".join(f"{k} {v}" for k, v in self.created.items()) or "无新增"


def samples_dir() -> Path | None:
    """../shared/samples next to the clone (CI has a read-only copy there); nothing is vendored."""
    for base in (Path(settings.BASE_DIR).parent / "shared" / "samples", Path(settings.BASE_DIR) / "shared" / "samples"):
        if (base / SAMPLE).exists():
            return base
    return None


@contextmanager
def on_day(day: dt.date, hour: int = 10) -> Iterator[None]:
    import time_machine

    with time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=SHANGHAI), tick=False):
        yield


class DemoActivity:
    def __init__(self, *, today: dt.date, seed: int = SEED) -> None:
        self.today = today
        self.year = today.year
        self.rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
        self.stats = Stats()
        self.amr = Department.objects.get(name=AMR)
        self.drc = Department.objects.get(name=DRC)
        self.staff = {
            self.amr.pk: User.objects.get(username="amr_staff"),
            self.drc.pk: User.objects.get(username="drc_staff"),
        }
        self.categories = {c.code: c for c in ResultCategory.objects.filter(active=True)}
        self.to_draw: list[int] = []
        self.to_complete: list[int] = []

    def already_loaded(self) -> bool:
        return Plan.objects.filter(owner=self.amr, year=self.year, title__endswith=MARKER).exists()

    def run(self) -> Stats:
        self.tiers()
        self.amr_plan()
        self.drc_plan()
        self.samples()
        for task in Task.objects.filter(pk__in=self.to_draw).select_related("plan").order_by("pk"):
            self.draw(task)
        self.visits()
        self.follow_ups()
        return self.stats

    def watch(self) -> None:
        """The morning's deadline watch, once the entries have committed (and been published)."""
        from publicity.watch import daily_watch

        created = daily_watch(today=self.today)
        self.stats.add("通知", sum(v for k, v in created.items() if k not in ("fairness", "publication-missing")))
        self.stats.add("公平性检验轮次", created.get("fairness", 0))

    # --- tiers --------------------------------------------------------------------------------

    def tiers(self) -> None:
        if CurrentTier.objects.exists():
            return
        targets = list(
            Target.objects.filter(kind__in=MARKET_ENTITY_KINDS, status=TargetStatus.ACTIVE)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        letters = [t for t, w in TIER_WEIGHTS for _ in range(w)]
        assessed_on = dt.date(self.year, 1, 10)
        assessments = TierAssessment.objects.bulk_create(
            [
                TierAssessment(
                    target_id=pk, tier=self.rng.choice(letters), source=TierSource.IMPORT, assessed_on=assessed_on
                )
                for pk in targets
            ],
            batch_size=2000,
        )
        CurrentTier.objects.bulk_create(
            [
                CurrentTier(target_id=a.target_id, tier=a.tier, assessment=a, assessed_on=assessed_on)
                for a in assessments
            ],
            batch_size=2000,
        )
        self.stats.add("信用风险分类", len(assessments))

    # --- plans --------------------------------------------------------------------------------

    def _publish(self, plan: Plan, user: User, on: dt.date) -> None:
        from plans.services import plan_publish

        with on_day(on):
            plan_publish(plan=plan, user=user)

    def _items(self, names: tuple[str, ...]) -> list[ChecklistItem]:
        """The checklist items whose current version bears these names: every name must be found."""
        items = list(
            ChecklistItem.objects.filter(versions__superseded_at__isnull=True, versions__name__in=names).distinct()
        )
        found = {item.current_version.name for item in items if item.current_version}
        missing = set(names) - found
        if missing:
            raise LookupError(f"demo checklist has no item named {sorted(missing)}")
        return items

    def amr_plan(self) -> Plan:
        policy = TierPolicy.objects.filter(is_preset=True).order_by("name").first()
        plan = Plan.objects.create(
            owner=self.amr, year=self.year, title=f"阳城县市场监督管理局{self.year}年度双随机抽查计划{MARKER}"
        )
        for spec in AMR_TASKS:
            task = Task.objects.create(
                plan=plan,
                number=spec.number,
                name=spec.name,
                scope_text=spec.tag or "全县企业",
                scope_kinds=["enterprise"] if spec.tag is None else [],
                ratio_kind=RatioKind.PERCENT,
                ratio_percent=Decimal(spec.percent),
                times_per_year=1,
                uses_tiers=spec.tiers,
                policy=policy if spec.tiers else None,
                start_month=spec.start,
                end_month=spec.end,
                initiator=self.amr,
                task_type=TaskType.INTERNAL,
            )
            if spec.tag:
                task.scope_tags.add(Tag.objects.get(name=spec.tag))
            task.items.set(self._items(spec.items))
            if spec.draw:
                self.to_draw.append(task.pk)
            if spec.complete:
                self.to_complete.append(task.pk)
            self.stats.add("抽查任务")
        self._publish(plan, self.staff[self.amr.pk], dt.date(self.year, 3, 20))
        self.stats.add("年度计划")
        return plan

    def drc_plan(self) -> Plan:
        """The DRC's joint grain task with the market regulation bureau: the one drawn with tiers."""
        plan = Plan.objects.create(owner=self.drc, year=self.year, title=f"阳城县发展和改革局{self.year}年度抽查计划")
        task = Task.objects.create(
            plan=plan,
            number=1,
            name="部门联合粮食企业监督检查",
            scope_text="全县粮食收购企业",
            ratio_kind=RatioKind.PERCENT,
            ratio_percent=Decimal(40),
            times_per_year=1,
            uses_tiers=True,
            start_month=3,
            end_month=11,
            initiator=self.drc,
            task_type=TaskType.JOINT,
        )
        task.cooperating.add(self.amr)
        task.scope_tags.add(Tag.objects.get(name="粮食收购企业"))
        task.items.set(self._items(("粮食收购资格及粮食收购活动的检查",)))
        self.to_draw.append(task.pk)
        Task.objects.create(
            plan=plan,
            number=2,
            name="价格监督检查",
            ratio_kind=RatioKind.PERCENT,
            ratio_percent=Decimal(5),
            start_month=9,
            end_month=11,
            initiator=self.drc,
        )
        self._publish(plan, self.staff[self.drc.pk], dt.date(self.year, 4, 25))
        self.stats.add("年度计划")
        return plan

    def samples(self) -> None:
        """The two real sample tables of ../shared/samples, each as its own year's published plan."""
        base = samples_dir()
        if base is None:
            return
        from plans.services import plan_import

        city = Department.objects.filter(name=CITY_AMR).first()
        for name, year, owner in ((SAMPLE, 2022, self.drc), (CITY_SAMPLE, 2023, city)):
            if owner is None or Plan.objects.filter(owner=owner, year=year).exists():
                continue
            try:
                with transaction.atomic():
                    plan = plan_import(
                        path=base / name, year=year, owner=owner, user=self.staff[self.drc.pk], create_departments=True
                    )
                    self._publish(plan, self.staff[self.drc.pk], dt.date(year, 4, 20))
            except Exception:  # a sample this code cannot read: the demo goes on without it
                logger.warning("demo activity: sample plan %s not imported", name, exc_info=True)
                continue
            self.stats.add("导入的样表计划")

    # --- draws and visits -----------------------------------------------------------------------

    def draw(self, task: Task) -> DrawRound:
        from inspections.services.draws import draw_round_open, draw_round_run, draw_round_start

        user = self.staff[task.initiator_id] if task.initiator_id in self.staff else self.staff[self.amr.pk]
        start, _end = task_period(task)
        # Drawn on the first day of the task's window (outside it a draw needs a reason).
        with on_day(start):
            draw_round = draw_round_open(task=task, user=user)
            draw_round_start(draw_round=draw_round, user=user, entropy=f"{self.year} 体彩 {task.pk:02d} 07 19")
            draw_round = draw_round_run(round_id=draw_round.pk)
        self.stats.add("抽取轮次")
        self.stats.add("抽中对象", draw_round.drawn_count)
        return draw_round

    def _entering_user(self, visit: Visit) -> User | None:
        """An officer of the visit's team with an account: the demo inspector if on it, else one made here."""
        members = list(
            TeamMember.objects.filter(drawn__coverage__visit=visit, inspector__isnull=False)
            .select_related("inspector__user")
            .order_by("inspector_id")
        )
        for member in members:
            if member.inspector and member.inspector.user_id:
                return member.inspector.user
        if not members:
            return None  # no team could be matched: nobody can enter a result
        inspector: Inspector = members[0].inspector  # type: ignore[assignment]
        user = User(
            username=f"demo-officer-{inspector.pk}",
            full_name=inspector.name,
            role=Role.INSPECTOR,
            department_id=inspector.department_id,
        )
        user.set_unusable_password()
        user.save()
        inspector.user = user
        inspector.save(update_fields=["user"])
        self.stats.add("演示执法人员账号")
        return user

    def _entry(self, visit: Visit, tier: str, completed_on: dt.date) -> dict[str, object]:
        from inspections.services.results import visit_slots

        problem_p = PROBLEM_RATE.get(tier, 0.1)
        items: dict[str, list[int]] = {}
        problem = False
        for slot in visit_slots(visit):
            roll = self.rng.random()
            if roll < problem_p:
                code = self.rng.choice(["0201", "0203", "0204", "07"])
                problem = True
            elif roll < problem_p + 0.03:
                code = "08"
            else:
                code = "01"
            items[slot.key] = [self.categories[code].pk]
        findings = "现场检查发现企业未按规定公示相关信息，已当场告知限期改正。" if problem else ""
        return {"completed_on": completed_on.isoformat(), "findings": findings, "items": items}

    def visits(self) -> None:
        from inspections.services.results import result_submit, visit_complete
        from inspections.workdays import add_working_days

        visits = list(Visit.objects.select_related("target__current_tier").order_by("pk"))
        complete = set(
            Visit.objects.filter(coverage__drawn__round__task_id__in=self.to_complete).values_list("pk", flat=True)
        )
        for planned in visits:
            visit = planned
            last_day = min(visit.period_end, self.today - dt.timedelta(days=1))
            must = visit.pk in complete
            if visit.period_start > last_day or (self.rng.random() > 0.85 and not must):
                continue  # still to visit
            span = (last_day - visit.period_start).days
            visited_on = visit.period_start + dt.timedelta(days=self.rng.randint(0, span))
            user = self._entering_user(visit)
            if user is None:
                continue
            with on_day(visited_on, 16):
                visit = visit_complete(visit=visit, user=user, visited_on=visited_on)
            self.stats.add("已检查")
            deadline = add_working_days(visited_on, settings.RESULT_ENTRY_WORKING_DAYS).date
            roll = 1.0 if must else self.rng.random()
            if roll < 0.06:
                entered_on = deadline + dt.timedelta(days=self.rng.randint(1, 12))  # late
            elif roll < 0.10:
                continue  # not entered (overdue if the window has closed)
            else:
                entered_on = visited_on + dt.timedelta(days=self.rng.randint(1, max(1, (deadline - visited_on).days)))
            if must:
                entered_on = max(visited_on, min(entered_on, self.today - dt.timedelta(days=1)))
            if entered_on >= self.today:
                continue  # not yet
            tier_row = getattr(visit.target, "current_tier", None)
            tier = tier_row.tier if tier_row else "none"
            with on_day(entered_on, 11):
                result_submit(visit=visit, user=user, data=self._entry(visit, tier, visited_on))
            self.stats.add("已录入结果")

    def follow_ups(self) -> None:
        from inspections.services.followups import follow_up_step_add

        for follow_up in FollowUp.objects.select_related("visit", "department").order_by("pk"):
            user = (
                self.staff.get(follow_up.department_id)
                or User.objects.filter(role=Role.STAFF, department_id=follow_up.department_id, is_active=True).first()
            )
            if user is None:
                continue
            start = follow_up.visit.visited_on or self.today
            first = min(start + dt.timedelta(days=3), self.today)
            roll = self.rng.random()
            with on_day(first, 15):
                if roll < 0.2:
                    continue  # nothing recorded yet
                due = first + dt.timedelta(days=self.rng.choice([10, 15, 30]))
                follow_up_step_add(
                    follow_up=follow_up,
                    user=user,
                    kind=StepKind.RECTIFY,
                    done_on=first,
                    due_on=due,
                    note="责令限期改正",
                )
            close_on = min(first + dt.timedelta(days=7), self.today)
            if roll < 0.75:
                with on_day(close_on, 15):
                    follow_up_step_add(follow_up=follow_up, user=user, kind=StepKind.RECTIFIED, done_on=close_on)
                    follow_up_step_add(
                        follow_up=follow_up, user=user, kind=StepKind.CLOSE, done_on=close_on, note="经复查已整改到位"
                    )
                self.stats.add("后续处理已办结")


def load(*, today: dt.date | None = None) -> Stats | None:
    """Load the demo year; None when it is there already."""
    activity = DemoActivity(today=today or timezone.localdate())
    if activity.already_loaded():
        return None
    with transaction.atomic():
        activity.run()
    activity.watch()
    return activity.stats
