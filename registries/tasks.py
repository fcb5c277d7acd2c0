"""Celery tasks of the registries: thin, take ids, idempotent, time-limited."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="registries.import_job", time_limit=60 * 60, soft_time_limit=55 * 60, acks_late=True)
def import_job_task(job_id: int) -> None:
    """Run one ImportJob; a job already started or finished is left alone (idempotent)."""
    from registries.services.imports import import_job_run

    import_job_run(job_id=job_id)


@shared_task(name="registries.disable_inactive_users", time_limit=10 * 60, soft_time_limit=9 * 60)
def disable_inactive_users_task() -> list[str]:
    """Daily: disable accounts unused for ACCOUNT_INACTIVE_DAYS (MLPS: no dormant accounts)."""
    from registries.services.accounts import users_disable_inactive

    return users_disable_inactive()


@shared_task(name="registries.audit_checkpoint", time_limit=10 * 60, soft_time_limit=9 * 60)
def audit_checkpoint_task() -> dict[str, object]:
    """Daily: sign the audit chain's head and length, store it outside the database, mail and publish it."""
    from registries.audit_checkpoints import checkpoint_take

    checkpoint = checkpoint_take()
    return {"count": checkpoint.count, "last_seq": checkpoint.last_seq, "head": checkpoint.head}
