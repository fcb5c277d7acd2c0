"""Celery tasks of the credit-risk app: thin, idempotent, time-limited."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="credit_risk.compute_same_address", time_limit=30 * 60, soft_time_limit=25 * 60, acks_late=True)
def compute_same_address_task() -> int:
    """Recompute the 一址多照 population; running it twice gives the same population (idempotent)."""
    from credit_risk.services import warnings_compute_same_address

    return warnings_compute_same_address()
