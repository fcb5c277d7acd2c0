"""Registry imports: one service per state change of an ImportJob, and the imports themselves.

An import validates every row first (outside any transaction, reporting progress), then
writes in one transaction; on PostgreSQL the target import parses and writes at the same time,
both inside the transaction (progress is still written at once, from the parsing thread). A
preview (dry run) and an all-or-nothing import with rejected rows roll that transaction back,
so nothing is ever half-applied.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from registries.access import require_perm
from registries.audit import audit_record
from registries.importing import inspectors as inspector_import
from registries.importing import items as item_import
from registries.importing import targets as target_import
from registries.importing.common import ImportResult, Progress, Rejected, Rollback, RowError
from registries.importing.workbook import WorkbookRefused, check_xlsx, estimate_rows
from registries.models import Department, ImportJob, ImportKind, ImportStatus, User

logger = logging.getLogger(__name__)


def targets_import(
    *,
    path: Path,
    department: Department,
    actor: User | None = None,
    dry_run: bool = False,
    atomic: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a target registry workbook for `department`; every rejected row is reported."""
    if connection.vendor == "postgresql":
        # Parsing and writing overlap (a thread parses), so both happen inside the transaction.
        result = ImportResult()

        def write_streamed() -> None:
            imported = target_import.import_targets_streaming(
                path, department=department, progress=progress, stop_on_error=atomic
            )
            result.total, result.errors = imported.total, imported.errors
            result.created, result.updated, result.unchanged = imported.created, imported.updated, imported.unchanged

        return _apply(
            result,
            write_streamed,
            actor=actor,
            department=department,
            kind=ImportKind.TARGETS,
            path=path,
            dry_run=dry_run,
            atomic=atomic,
        )
    parsed = target_import.parse_targets(path, department=department, progress=progress)
    result = ImportResult(total=parsed.total, errors=parsed.errors)
    foreign = target_import.foreign_rows(parsed.rows, department)
    if foreign:
        bad = {e.row for e in foreign}
        parsed.rows = [r for r in parsed.rows if r.row not in bad]
        result.errors = sorted([*result.errors, *foreign], key=lambda e: e.row)

    def write() -> None:
        result.created, result.updated, result.unchanged = target_import.write_targets(
            parsed.rows, department=department
        )

    return _apply(
        result,
        write,
        actor=actor,
        department=department,
        kind=ImportKind.TARGETS,
        path=path,
        dry_run=dry_run,
        atomic=atomic,
    )


def inspectors_import(
    *,
    path: Path,
    department: Department | None = None,
    actor: User | None = None,
    dry_run: bool = False,
    atomic: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import an inspector workbook; with `department`, rows of other departments are rejected."""
    parsed = inspector_import.parse_inspectors(path, department=department)
    result = ImportResult(total=parsed.total, errors=parsed.errors)

    def write() -> None:
        result.created, result.updated, result.unchanged = inspector_import.write_inspectors(parsed.rows)

    return _apply(
        result,
        write,
        actor=actor,
        department=department,
        kind=ImportKind.INSPECTORS,
        path=path,
        dry_run=dry_run,
        atomic=atomic,
    )


def items_import(
    *,
    path: Path,
    department: Department | None = None,
    actor: User | None = None,
    dry_run: bool = False,
    atomic: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a checklist workbook: a changed item gets a new version, the old one is superseded."""
    parsed = item_import.parse_items(path)
    result = ImportResult(total=parsed.total, errors=parsed.errors)

    def write() -> None:
        result.created, result.updated, result.unchanged = item_import.write_items(parsed.rows, actor=actor)

    return _apply(
        result,
        write,
        actor=actor,
        department=department,
        kind=ImportKind.ITEMS,
        path=path,
        dry_run=dry_run,
        atomic=atomic,
    )


def _apply(
    result: ImportResult,
    write: Callable[[], None],
    *,
    actor: User | None,
    department: Department | None,
    kind: str,
    path: Path,
    dry_run: bool,
    atomic: bool,
) -> ImportResult:
    refuse_all = atomic and bool(result.errors)
    try:
        with transaction.atomic():
            if not refuse_all:
                write()
                # A streamed import finds its rejected rows while writing.
                refuse_all = atomic and bool(result.errors)
            if dry_run or refuse_all:
                raise Rollback
            audit_record(
                actor=actor,
                action="registry.import",
                detail={
                    "kind": str(kind),
                    "file": Path(path).name,
                    "department": department.name if department else "",
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "rejected": result.rejected,
                },
            )
            result.applied = True
    except Rollback:
        pass
    if refuse_all:
        result.message = f"有{result.rejected}行被拒绝，已按“全部成功才导入”的要求放弃整个文件，未做任何修改"
        if dry_run:
            result.message = f"有{result.rejected}行将被拒绝；按“全部成功才导入”的要求，提交后不会做任何修改"
        result.created = result.updated = result.unchanged = 0
    elif dry_run:
        result.message = "预览：以上为将要发生的修改，尚未写入"
    return result


@transaction.atomic
def registry_export(
    *, actor: User | None, kind: str, queryset: QuerySet[Any], path: Path, writer: Callable[..., int]
) -> int:
    """Write an export workbook and record who exported what (audit action registry.export)."""
    count = writer(path, queryset)
    audit_record(actor=actor, action="registry.export", detail={"kind": str(kind), "rows": count})
    return count


IMPORTERS: dict[str, Callable[..., ImportResult]] = {
    ImportKind.TARGETS: targets_import,
    ImportKind.INSPECTORS: inspectors_import,
    ImportKind.ITEMS: items_import,
}


# --- ImportJob: uploads from the staff pages -------------------------------------------------


def import_job_create(
    *, user: User, kind: str, upload: UploadedFile, dry_run: bool = True, atomic: bool = False
) -> ImportJob:
    """Store the upload and queue or run its import (a preview unless `dry_run` is false).

    A file is checked (type, size, zip bomb, XML entities) before it is stored; WorkbookRefused
    says why not. Files above settings.IMPORT_ASYNC_ROWS rows run in a Celery task enqueued at
    commit; smaller ones run at once, in the request.
    """
    require_perm(user, "registries.import_registry")
    if kind not in ImportKind.values:
        raise PermissionDenied
    if upload.size and upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise WorkbookRefused(f"文件过大，上限为{settings.IMPORT_MAX_UPLOAD_BYTES // 1024 // 1024} MB")
    job = ImportJob(
        kind=kind,
        department=user.department,
        created_by=user,
        original_name=Path(upload.name or "upload.xlsx").name[:255],
        dry_run=dry_run,
        atomic=atomic,
    )
    job.file.save(f"{kind}.xlsx", upload, save=False)
    path = Path(job.file.path)
    try:
        check_xlsx(path)
        job.total_rows = estimate_rows(path)
    except WorkbookRefused:
        job.file.delete(save=False)
        raise
    with transaction.atomic():
        job.save()
        audit_record(actor=user, action="registry.import_upload", obj=job, detail={"file": job.original_name})
        queued = _enqueue_if_large(job)
    if not queued:
        import_job_run(job_id=job.pk)
        job.refresh_from_db()
    return job


def _enqueue_if_large(job: ImportJob) -> bool:
    """Queue a large file's import in Celery once the job row is committed; small ones run now."""
    if job.total_rows <= settings.IMPORT_ASYNC_ROWS:
        return False
    from registries.tasks import import_job_task

    job_id = job.pk
    transaction.on_commit(lambda: import_job_task.delay(job_id))
    return True


def import_job_commit(*, user: User, job: ImportJob) -> ImportJob:
    """Apply a previewed import for real: the same file, run again without dry run."""
    require_perm(user, "registries.commit_import", job)
    # Only a finished preview may be committed; the conditional update makes a double click
    # (or two tabs) start the import once.
    with transaction.atomic():
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEWED).update(
            status=ImportStatus.PENDING, dry_run=False, rows_done=0, finished_at=None
        )
        job.refresh_from_db()
        queued = bool(claimed) and _enqueue_if_large(job)
    if claimed and not queued:
        import_job_run(job_id=job.pk)
        job.refresh_from_db()
    return job


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a pending job (idempotent: a job already started or finished is left alone).

    Not atomic itself: progress is written in autocommit so the page can poll it, and the
    import does its own writing in one transaction.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, rows_done=0, rejected_count=0
    )
    job = ImportJob.objects.select_related("department", "created_by").filter(pk=job_id).first()
    if not claimed or job is None:
        return job

    def progress(done: int, rejected: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(rows_done=done, rejected_count=rejected)

    importer = IMPORTERS[job.kind]
    try:
        result = importer(
            path=Path(job.file.path),
            department=job.department,
            actor=job.created_by,
            dry_run=job.dry_run,
            atomic=job.atomic,
            progress=progress,
        )
    except (WorkbookRefused, Rejected) as exc:
        result = ImportResult(message=str(exc))
        status = ImportStatus.FAILED
    except Exception:
        logger.exception("import job %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED,
            message="导入时发生系统错误，未做任何修改；请联系管理员",
            finished_at=timezone.now(),
        )
        raise
    else:
        status = ImportStatus.PREVIEWED if job.dry_run else ImportStatus.DONE
        if job.atomic and result.errors and not job.dry_run:
            status = ImportStatus.FAILED
    job.status = status
    job.total_rows = result.total
    job.rows_done = result.total
    job.created_count = result.created
    job.updated_count = result.updated
    job.unchanged_count = result.unchanged
    job.rejected_count = result.rejected
    job.errors = [e.as_dict() for e in result.errors]
    job.message = result.message
    job.finished_at = timezone.now()
    job.save()
    return job


def job_errors(job: ImportJob) -> list[RowError]:
    return [RowError(int(e["row"]), str(e["message"])) for e in job.errors]
