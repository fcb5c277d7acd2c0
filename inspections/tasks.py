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
