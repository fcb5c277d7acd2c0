"""Celery tasks of publicity: thin, idempotent, time-limited."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="publicity.daily_watch", time_limit=30 * 60, soft_time_limit=25 * 60, acks_late=True)
def daily_watch_task() -> dict[str, int]:
    """Daily (beat): deadline notifications, late publications, fairness checks. Safe to run twice."""
    from django.utils import timezone

    from publicity.watch import daily_watch

    return daily_watch(today=timezone.localdate())


@shared_task(name="publicity.dashboard_refresh", time_limit=10 * 60, soft_time_limit=9 * 60, expires=5 * 60)
def dashboard_refresh_task() -> int:
    """Every 5 minutes (beat): recompute this year's dashboard snapshots. Idempotent."""
    from django.utils import timezone

    from publicity.snapshots import snapshots_refresh

    return snapshots_refresh(today=timezone.localdate())
