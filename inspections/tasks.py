"""Celery tasks of inspections: thin, take ids, idempotent, time-limited."""

from __future__ import annotations

from celery import shared_task

DRAW_TIME_LIMIT = 10 * 60  # far below the broker's visibility timeout (2 h)


@shared_task(
    name="inspections.run_draw",
    time_limit=DRAW_TIME_LIMIT,
    soft_time_limit=DRAW_TIME_LIMIT - 60,
    acks_late=True,
    reject_on_worker_lost=True,
)
def run_draw(round_id: int) -> str:
    """Run the draw of one round. A round already drawn is left as it is, so a redelivered
    message (the worker died before acknowledging) or a second request is harmless."""
    from inspections.services.draws import draw_round_run

    return str(draw_round_run(round_id=round_id).status)


@shared_task(name="inspections.calendar_check", time_limit=60, soft_time_limit=50)
def calendar_check() -> int | None:
    """Beat, daily: warn the administrators in December while next year's holidays are missing."""
    from django.utils import timezone

    from inspections.services.calendar import calendar_missing_check

    return calendar_missing_check(today=timezone.localdate())


@shared_task(name="inspections.requeue_stuck_draws", time_limit=5 * 60, soft_time_limit=4 * 60)
def requeue_stuck_draws() -> int:
    """Beat: enqueue again the rounds queued for longer than a draw may run."""
    from inspections.services.draws import draw_rounds_requeue_stuck

    return len(draw_rounds_requeue_stuck())
