"""The frozen population of a draw: who is in scope, who is excluded and why, and the files.

Reads only; `inspections.services.draws.draw_round_run` calls it inside its transaction.
"""

from __future__ import annotations

import calendar
import datetime as dt
import gzip
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Count, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credit_risk.allocation import NONE, PolicySpec
from credit_risk.models import ObservationPeriod
from inspections import drawing
from inspections.models import DrawnTarget, DrawRound, RoundStatus
from plans.models import TASK_END_DEADLINE, Task, TaskType
from plans.selectors import LEVEL_RANK, task_scope
from registries.models import Target

# C and D entities may be drawn more often than the policy's yearly limit (无事不扰 spares A/B only).
FREQUENCY_EXEMPT_TIERS = frozenset({"C", "D"})


class DrawError(Exception):
    """The draw cannot run; the message says why, translated, for the staff."""


EXCLUSION_LABELS = {
    "covered": gettext_lazy("本期已由上级或联合任务就相同事项抽中"),
    "observation": gettext_lazy("处于观察期（新业态低风险、一般风险主体）"),
    "frequency": gettext_lazy("本年度被抽次数已达上限（无事不扰）"),
}


@dataclass
class Population:
    """Three aligned lists, sorted by key (keys unique): no million-entry dicts to build."""

    keys: list[str]
    target_ids: list[int]
    tiers: list[str]  # "-" for a draw without tiers
    per_tier: dict[str, int]
    exclusions: dict[str, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.keys)


def task_period(task: Task) -> tuple[dt.date, dt.date]:
    """The days a task may inspect: its months in the plan's year, ending by 20 December at the latest."""
    year = task.plan.year
    start = dt.date(year, task.start_month or 1, 1)
    end_month = task.end_month or 12
    end = dt.date(year, end_month, calendar.monthrange(year, end_month)[1])
    return start, min(end, dt.date(year, *TASK_END_DEADLINE))


def _rank(task: Task) -> int:
    return LEVEL_RANK.get(task.plan.owner.level, 0)  # type: ignore[call-overload]


def effective_rounds() -> QuerySet[DrawRound]:
    """Finished rounds that no redraw replaced."""
    return DrawRound.objects.filter(status=RoundStatus.DONE, redrawn_by__isnull=True)


def covering_rounds(task: Task) -> list[int]:
    """Finished rounds this period of a higher-level task, or of a joint task when this one is
    internal, whose items include all of this task's items: their targets are not drawn again."""
    items = set(task.items.values_list("id", flat=True))
    if not items:
        return []
    start, end = task_period(task)
    found = []
    others = (
        effective_rounds()
        .filter(task__plan__year=task.plan.year)
        .exclude(task=task)
        .select_related("task__plan__owner")
        .prefetch_related("task__items")
    )
    for other_round in others:
        other = other_round.task
        o_start, o_end = task_period(other)
        if o_start > end or start > o_end:
            continue
        if not items <= {i.pk for i in other.items.all()}:
            continue
        higher = _rank(other) > _rank(task)
        joint_over_internal = other.task_type == TaskType.JOINT and task.task_type == TaskType.INTERNAL
        if higher or joint_over_internal:
            found.append(other_round.pk)
    return found


def _scope_columns(scope: QuerySet[Target]) -> tuple[list[str], list[int], list[str]]:
    """Keys, ids and tiers ("none" when unassessed) of the scope, in one consistent order.

    The three columns come back as three aggregated strings of one row: a million Python
    tuples would cost seconds, three splits cost a fraction of one.
    """
    rows = (
        scope.order_by()
        .annotate(
            draw_key=Coalesce("credit_code", "identifier"),
            draw_tier=Coalesce("current_tier__tier", Value(NONE)),
        )
        .values_list("draw_key", "id", "draw_tier")
    )
    sql, params = rows.query.sql_with_params()
    # One scan feeds all three aggregates, so their orders agree (checked below by length).
    wrapped = (
        "SELECT string_agg(s.draw_key, E'\\n'), string_agg(s.id::text, E'\\n'), "  # noqa: S608
        f"string_agg(s.draw_tier, E'\\n'), count(*) FROM ({sql}) s"
    )
    with connection.cursor() as cursor:
        cursor.execute(wrapped, params)
        keys_text, ids_text, tiers_text, n = cursor.fetchone()
    if not n:
        return [], [], []
    keys, ids, tiers = keys_text.split("\n"), list(map(int, ids_text.split("\n"))), tiers_text.split("\n")
    if not len(keys) == len(ids) == len(tiers) == n:
        raise DrawError(_("读取抽取范围时数据不一致（对象标识含换行符），请检查名录库"))
    return keys, ids, tiers


def observed_targets(on: dt.date) -> set[int]:
    """Targets in an observation period (观察期) on that day."""
    return set(ObservationPeriod.objects.filter(starts_on__lte=on, ends_on__gte=on).values_list("target_id", flat=True))


def frozen_population(task: Task, policy: PolicySpec, *, on: dt.date | None = None) -> Population:
    """One query for the scope (key, id, tier), three small ones for the exclusions (`on`: the draw date)."""
    scope = task_scope(task)
    if scope is None:
        raise DrawError(_("任务尚未设置抽查对象范围（对象类型、区域、标签或风险预警），无法抽取"))
    keys, ids, tiers = _scope_columns(scope)
    covered = set(DrawnTarget.objects.filter(round_id__in=covering_rounds(task)).values_list("target_id", flat=True))
    observed = observed_targets(on or timezone.localdate())
    limits = {t: r.max_times_per_year for t, r in policy.rules.items() if r.max_times_per_year}
    times: dict[int, int] = {}
    if limits:
        times = dict(
            DrawnTarget.objects.filter(round__in=effective_rounds().filter(task__plan__year=task.plan.year))
            .values("target_id")
            .annotate(n=Count("id"))
            .values_list("target_id", "n")
        )
    exclusions: Counter[str] = Counter()
    dropped: set[int] = set()
    if covered or observed or times:
        # Only the few targets drawn before or under observation are looked at one by one.
        for i, target_id in enumerate(ids):
            if target_id in covered:
                exclusions["covered"] += 1
                dropped.add(i)
            # A target whose tier rose to C or D since is drawn again: the period is for A and B only.
            elif target_id in observed and tiers[i] not in FREQUENCY_EXEMPT_TIERS:
                exclusions["observation"] += 1
                dropped.add(i)
            elif target_id in times and tiers[i] not in FREQUENCY_EXEMPT_TIERS:
                limit = limits.get(tiers[i])
                if limit is not None and times[target_id] >= limit:
                    exclusions["frequency"] += 1
                    dropped.add(i)
    if dropped:
        kept = [i for i in range(len(ids)) if i not in dropped]
        keys, ids, tiers = [keys[i] for i in kept], [ids[i] for i in kept], [tiers[i] for i in kept]
    if not task.uses_tiers:
        tiers = [drawing.UNTIERED] * len(keys)
    if not drawing.strictly_increasing(keys):
        # Rows come in the table's order; sort the three lists by key (checked first: often sorted already).
        order = sorted(range(len(keys)), key=keys.__getitem__)
        keys, ids, tiers = [keys[i] for i in order], [ids[i] for i in order], [tiers[i] for i in order]
        if not drawing.strictly_increasing(keys):
            raise DrawError(_("抽取范围内有重复的对象标识，请先处理名录库中的重复对象"))
    return Population(
        keys=keys,
        target_ids=ids,
        tiers=tiers,
        per_tier=dict(Counter(tiers)),
        exclusions=dict(exclusions),
    )


def round_dir(draw_round: DrawRound) -> Path:
    return Path("draws") / f"task{draw_round.task_id}-round{draw_round.round_no}-{draw_round.pk}"


def media_path(relative: str | Path) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def _write_atomic(path: Path, data: bytes) -> None:
    """Write then rename: a killed worker never leaves half a file under the final name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def write_files(draw_round: DrawRound, *, population: str, tiers: str, drawn: str) -> str:
    """The public population (keys), the auditors' tiers file, the drawn keys; returns the population path.

    The content is a function of the frozen population and seed only, so a retried draw
    writes the same bytes again. gzip level 1: the files are for download, speed matters more.
    """
    base = round_dir(draw_round)
    _write_atomic(media_path(base / "population.txt.gz"), gzip.compress(population.encode(), 1, mtime=0))
    _write_atomic(media_path(base / "tiers.txt.gz"), gzip.compress(tiers.encode(), 1, mtime=0))
    _write_atomic(media_path(base / "drawn.txt"), drawn.encode())
    return str(base / "population.txt.gz")


def read_file(draw_round: DrawRound, name: str) -> str:
    return read_bytes(draw_round, name).decode()


def read_bytes(draw_round: DrawRound, name: str) -> bytes:
    """A file of the round as published (uncompressed)."""
    data = media_path(Path(draw_round.population_file).parent / name).read_bytes()
    return gzip.decompress(data) if name.endswith(".gz") else data
