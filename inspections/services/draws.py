"""Draw rounds: open (commit to a secret), start (witness entropy, enqueue), run (the draw), redraw.

One round, one draw: `DrawRound` is unique per (task, round_no), and `draw_round_run`
claims the round with SELECT ... FOR UPDATE and does all of its writes (drawn rows,
files, visits, teams, audit row, status) in one transaction. A second message for the
same round waits on the row lock and then finds the round done; a worker killed half way
rolls the whole transaction back and the redelivered message (acks_late,
reject_on_worker_lost) starts again from the same frozen inputs.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from credit_risk.allocation import ALL_TIERS, allocate
from inspections import drawing
from inspections.bulk import insert_rows
from inspections.errors import InspectionError
from inspections.models import DrawnTarget, DrawRound, RoundStatus
from inspections.population import DrawError, frozen_population, task_period, write_files
from plans.models import Task
from plans.selectors import DEFAULT_POLICY
from registries.access import require_perm
from registries.audit import audit_record
from registries.models import User

ENTROPY_MAX = 200
# The witness's entropy is shown in a shell command on the public page (quoted there too):
# letters and digits of any script, spaces and a few separators, nothing a shell reads.
ENTROPY_PUNCTUATION = frozenset(" -_.:/,#+")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DrawWindow:
    """A task's inspection window (its months in the plan's year) seen from one day."""

    start: dt.date
    end: dt.date
    today: dt.date

    @property
    def not_open_yet(self) -> bool:
        return self.today < self.start

    @property
    def closed(self) -> bool:
        return self.today > self.end

    @property
    def outside(self) -> bool:
        return self.not_open_yet or self.closed

    def explanation(self) -> str:
        """Why a reason is asked for (empty inside the window)."""
        values = {"start": f"{self.start:%Y-%m-%d}", "end": f"{self.end:%Y-%m-%d}", "today": f"{self.today:%Y-%m-%d}"}
        if self.not_open_yet:
            return _("该任务的检查期为 %(start)s 至 %(end)s，今天（%(today)s）检查期尚未开始") % values
        if self.closed:
            return _("该任务的检查期为 %(start)s 至 %(end)s，今天（%(today)s）检查期已结束") % values
        return ""

    def audit_detail(self, reason: str) -> dict[str, str]:
        return {
            "window": f"{self.start:%Y-%m-%d}..{self.end:%Y-%m-%d}",
            "today": f"{self.today:%Y-%m-%d}",
            "reason": reason,
        }


def draw_window(task: Task, today: dt.date | None = None) -> DrawWindow:
    start, end = task_period(task)
    return DrawWindow(start=start, end=end, today=today or timezone.localdate())


def _out_of_window_reason(window: DrawWindow, reason: str) -> str:
    """The reason for drawing outside the window (refused without one); empty inside the window."""
    if not window.outside:
        return ""
    reason = reason.strip()
    if not reason:
        raise InspectionError([window.explanation(), _("在检查期外抽取必须填写理由（将记入审计日志）")])
    return reason


def _next_round_no(task: Task) -> int:
    return (DrawRound.objects.filter(task=task).aggregate(n=Max("round_no"))["n"] or 0) + 1


def _create_round(
    *,
    task: Task,
    user: User,
    draw_no: int,
    reason: str = "",
    redraw_of: DrawRound | None = None,
    out_of_window_reason: str = "",
) -> DrawRound:
    """A round committed to a fresh secret and fresh per-tier salts (used when the draw is tiered)."""
    secret = drawing.new_secret()
    salts = drawing.new_salts()
    try:
        # Parallel requests opening the task's next draw compute the same `draw_no` (from the
        # count they checked) or the same round number: the partial unique index on (task,
        # draw_no) and the unique (task, round_no) let exactly one of them through.
        with transaction.atomic():
            return DrawRound.objects.create(
                task=task,
                round_no=_next_round_no(task),
                draw_no=draw_no,
                commitment=drawing.commitment(secret),
                secret=secret,
                salts=salts,
                salts_commitment=drawing.salts_commitment(salts),
                started_by=user,
                reason=reason,
                redraw_of=redraw_of,
                out_of_window_reason=out_of_window_reason,
            )
    except IntegrityError as exc:
        raise ValidationError(_("该任务的这一轮次刚由他人生成，未重复生成；请刷新页面查看")) from exc


@transaction.atomic
def draw_round_open(*, task: Task, user: User, out_of_window_reason: str = "") -> DrawRound:
    """A new round with a fresh secret; only its commitment is shown until the visits are done.
    Outside the task's inspection window only with a reason, stored on the round and audited."""
    require_perm(user, "inspections.start_draw", task)
    window = draw_window(task)
    out_of_window_reason = _out_of_window_reason(window, out_of_window_reason)
    # 一公开: a draw follows the published plan; a draft's tasks are not public yet.
    if not task.plan.is_public:
        raise ValidationError(_("年度抽查计划尚未公布，不能抽取；请先公布计划"))
    allowed = task.times_per_year or 1
    rounds = DrawRound.objects.filter(task=task, redraw_of__isnull=True).count()
    if rounds >= allowed:
        raise ValidationError(
            _("该任务每年抽查 %(allowed)s 次，已生成 %(rounds)s 轮，不能再新增轮次（如需重新抽取，请填写理由）")
            % {"allowed": allowed, "rounds": rounds}
        )
    # The number comes from the count just checked: a parallel request that counted the same
    # rounds gets the same number, and the database refuses the second one.
    draw_round = _create_round(task=task, user=user, draw_no=rounds + 1, out_of_window_reason=out_of_window_reason)
    if out_of_window_reason:
        audit_record(
            actor=user,
            action="inspections.draw_outside_window",
            obj=draw_round,
            detail={"step": "open", **window.audit_detail(out_of_window_reason)},
        )
    audit_record(
        actor=user,
        action="inspections.draw_open",
        obj=draw_round,
        detail={"task": task.pk, "round": draw_round.round_no, "commitment": draw_round.commitment},
    )
    return draw_round


@transaction.atomic
def draw_round_redraw(*, draw_round: DrawRound, user: User, reason: str) -> DrawRound:
    """A redraw is a new round with a reason; the first round stays on record, unchanged."""
    require_perm(user, "inspections.start_draw", draw_round.task)
    reason = reason.strip()
    if not reason:
        raise ValidationError("重新抽取必须填写理由")
    if draw_round.status != RoundStatus.DONE:
        raise ValidationError("只能对已完成的轮次重新抽取")
    if DrawRound.objects.filter(redraw_of=draw_round).exists():
        raise ValidationError(f"第{draw_round.round_no}轮已重新抽取过")
    new = _create_round(
        task=draw_round.task, user=user, draw_no=draw_round.draw_no, reason=reason, redraw_of=draw_round
    )
    audit_record(
        actor=user,
        action="inspections.draw_redraw",
        obj=new,
        detail={"redraw_of": draw_round.pk, "round": new.round_no, "reason": reason, "commitment": new.commitment},
    )
    return new


@transaction.atomic
def draw_round_start(
    *, draw_round: DrawRound, user: User, entropy: str = "", out_of_window_reason: str = ""
) -> DrawRound:
    """The witness's public entropy is fixed and the draw is queued (enqueued on commit).
    Outside the task's inspection window only with a reason (given now or when the round was opened)."""
    require_perm(user, "inspections.start_draw", draw_round.task)
    window = draw_window(draw_round.task)
    out_of_window_reason = _out_of_window_reason(
        window, out_of_window_reason.strip() or draw_round.out_of_window_reason
    )
    entropy = entropy.strip()
    if len(entropy) > ENTROPY_MAX or not all(c.isalnum() or c in ENTROPY_PUNCTUATION for c in entropy):
        raise ValidationError(
            _("公开随机数不能超过 %(max)s 个字符，只能包含文字、数字、空格和 - _ . : / , # +") % {"max": ENTROPY_MAX}
        )
    # Conditional update: of two clicks on "start" only one moves the round on.
    moved = DrawRound.objects.filter(pk=draw_round.pk, status__in=[RoundStatus.OPEN, RoundStatus.FAILED]).update(
        status=RoundStatus.QUEUED,
        entropy=entropy,
        queued_at=timezone.now(),
        enqueued_at=None,
        error="",
        out_of_window_reason=out_of_window_reason or draw_round.out_of_window_reason,
    )
    draw_round.refresh_from_db()
    if moved:
        if out_of_window_reason:
            audit_record(
                actor=user,
                action="inspections.draw_outside_window",
                obj=draw_round,
                detail={"step": "start", **window.audit_detail(out_of_window_reason)},
            )
        audit_record(actor=user, action="inspections.draw_start", obj=draw_round, detail={"entropy": entropy})
        round_id = draw_round.pk
        transaction.on_commit(lambda: draw_round_enqueue(round_id))
    return draw_round


def draw_round_enqueue(round_id: int) -> bool:
    """Send the draw's message (after the round committed); False when the broker is unreachable.

    The round stays queued without `enqueued_at`: the page says so, and the beat's
    `draw_rounds_requeue_stuck` sends it again as soon as the broker is back.
    """
    from inspections.tasks import run_draw

    try:
        run_draw.delay(round_id)
    except (BrokerError, ConnectionError, OSError):
        logger.exception("draw round %s: the broker is unreachable; the beat will enqueue it again", round_id)
        return False
    DrawRound.objects.filter(pk=round_id, enqueued_at__isnull=True).update(enqueued_at=timezone.now())
    return True


@transaction.atomic
def draw_rounds_requeue_stuck(*, now: dt.datetime | None = None) -> list[int]:
    """Enqueue again every round queued for longer than a draw may run, and at once every
    round whose message the broker never took (it was down): returns their ids.

    Such a round's message was lost: its worker died before the broker's visibility timeout
    gave the message back, or the broker itself lost it or was unreachable. A round merely
    waiting behind other work gets a second message, which is harmless: the draw is idempotent.
    """
    from inspections.tasks import DRAW_TIME_LIMIT

    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=DRAW_TIME_LIMIT)
    requeued = []
    stuck = DrawRound.objects.filter(
        Q(queued_at__lt=cutoff) | Q(enqueued_at__isnull=True), status=RoundStatus.QUEUED
    ).order_by("pk")
    for draw_round in stuck:
        # Conditional update: a round that a worker finished (or another beat requeued) meanwhile is left alone.
        moved = DrawRound.objects.filter(
            pk=draw_round.pk, status=RoundStatus.QUEUED, queued_at=draw_round.queued_at
        ).update(queued_at=now)
        if not moved:
            continue
        audit_record(
            actor=None,
            action="inspections.draw_requeue",
            obj=draw_round,
            detail={"queued_at": draw_round.queued_at},
        )
        round_id = draw_round.pk
        transaction.on_commit(lambda round_id=round_id: draw_round_enqueue(round_id))  # type: ignore[misc]
        requeued.append(round_id)
    if requeued:
        logger.warning("requeued draw rounds stuck in the queue: %s", requeued)
    return requeued


def draw_round_run(*, round_id: int, entropy: str | None = None) -> DrawRound:
    """Run the draw of one round; idempotent. A DrawError marks the round failed with its reason."""
    try:
        return _run(round_id=round_id, entropy=entropy)
    except DrawError as exc:
        _mark_failed(round_id, str(exc))
        return DrawRound.objects.get(pk=round_id)
    except Exception:
        # Nothing of the draw was kept (one transaction); staff may start the round again.
        _mark_failed(round_id, "抽取时发生系统错误，未保存任何结果，请重新开始抽取或联系系统管理员")
        raise


def _mark_failed(round_id: int, error: str) -> None:
    DrawRound.objects.filter(pk=round_id).exclude(status=RoundStatus.DONE).update(
        status=RoundStatus.FAILED, error=error
    )


@transaction.atomic
def _run(*, round_id: int, entropy: str | None) -> DrawRound:
    # The row lock serialises concurrent runs of one round (two requests, a retried
    # message): the second waits here, then sees DONE and returns the first one's draw.
    draw_round = (
        DrawRound.objects.select_for_update(of=("self",))
        .select_related("task__plan__owner", "task__policy")
        .get(pk=round_id)
    )
    if draw_round.status == RoundStatus.DONE:
        return draw_round
    if entropy is not None and not draw_round.entropy:
        draw_round.entropy = entropy
    task = draw_round.task
    clock = _Clock()
    policy = task.policy.as_spec() if task.policy else DEFAULT_POLICY
    population = frozen_population(task, policy)
    clock.lap("population")
    if not population.size:
        raise DrawError("排除后抽查范围内没有对象，无法抽取")
    salts: dict[str, str] | None = None
    if task.uses_tiers:
        allocation = allocate(population.per_tier, task.ratio_spec(), policy)
        counts = {t: allocation.counts[t] for t in ALL_TIERS if allocation.population[t]}
        # Salted tickets: nothing public lets anyone rank the drawn objects across tiers.
        salts = draw_round.salts
        if not salts or drawing.salts_commitment(salts) != draw_round.salts_commitment:
            raise DrawError(_("本轮没有已承诺的分类盐值，不能按信用风险分类抽取；请新建轮次"))
    else:
        allocation = allocate({"none": population.size}, task.ratio_spec(), policy)
        counts = {drawing.UNTIERED: allocation.counts["none"]}
    draw = drawing.run_sorted(
        task=str(task.pk),
        round_no=draw_round.round_no,
        ordered=population.keys,
        tier_list=population.tiers,
        counts=counts,
        secret=draw_round.secret,
        entropy=draw_round.entropy,
        salts=salts,
    )
    clock.lap("draw")
    keys, ids = population.keys, population.target_ids
    rows = [
        (draw_round.pk, ids[i], keys[i], tier, draw.tickets[keys[i]], rank)
        for tier, positions in draw.positions.items()
        for rank, i in enumerate(positions, start=1)
    ]
    insert_rows(DrawnTarget, ["round", "target", "key", "tier", "ticket", "rank"], rows)
    drawn_keys = [row[2] for row in rows]
    clock.lap("store")
    draw_round.population_file = write_files(
        draw_round,
        population=draw.population_file,
        tiers=draw.tiers_file,
        drawn="".join(f"{k}\n" for k in sorted(drawn_keys)),
    )
    clock.lap("files")
    draw_round.population_digest = draw.population_digest
    draw_round.tiers_digest = draw.tiers_digest
    draw_round.seed = draw.seed
    draw_round.uses_tiers = task.uses_tiers
    draw_round.population_size = population.size
    draw_round.population_per_tier = population.per_tier
    draw_round.counts = counts
    draw_round.exclusions = population.exclusions
    draw_round.status = RoundStatus.DONE
    draw_round.finished_at = timezone.now()
    draw_round.error = ""
    draw_round.save()
    detail: dict[str, Any] = {
        "task": task.pk,
        "round": draw_round.round_no,
        "population": draw_round.population_size,
        "population_digest": draw.population_digest,
        "tiers_digest": draw.tiers_digest,
        "seed": draw.seed,
        "drawn": len(rows),
        "excluded": population.exclusions,
    }
    audit_record(actor=draw_round.started_by, action="inspections.draw_run", obj=draw_round, detail=detail)

    from inspections.services.matching import match_round
    from inspections.services.visits import visits_sync_round

    visits_sync_round(draw_round=draw_round)
    clock.lap("visits")
    match_round(draw_round=draw_round, user=None)
    clock.lap("match")
    logger.info("draw round %s: %s objects, %s drawn; %s", draw_round.pk, population.size, len(rows), clock)
    draw_round.refresh_from_db()
    return draw_round


class _Clock:
    """Seconds per phase of a draw, for the log (and the benchmark)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self._last
        self._last = now

    def __str__(self) -> str:
        return ", ".join(f"{name} {seconds:.2f}s" for name, seconds in self.laps.items())
