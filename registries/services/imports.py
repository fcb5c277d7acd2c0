"""Registry imports: one service per state change of an ImportJob, and the imports themselves.

An import first reads the file's header and maps every column (with the department's saved
mappings); a file with a column nobody has mapped or ignored is not imported at all: the preview
lists its columns and the user decides (`import_job_map`, saved per department). Then every row
is validated and written in one transaction (the target import parses in a thread and writes
with PostgreSQL COPY at the same time). A preview (dry run) and an all-or-nothing import with
rejected rows roll that transaction back, so nothing is ever half-applied.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from registries.access import require_perm
from registries.audit import audit_record
from registries.importing import inspectors as inspector_import
from registries.importing import targets as target_import
from registries.importing.common import ImportResult, Progress, Rejected, Rollback, RowError
from registries.importing.headers import IGNORE, Header, HeaderSpec, describe
from registries.importing.items import ITEM_COLUMNS
from registries.importing.workbook import WorkbookRefused, check_file, estimate_rows
from registries.models import Department, ImportJob, ImportKind, ImportStatus, TargetKind, TargetStatus, User
from registries.models.imports import ImportMapping, MappingScope

logger = logging.getLogger(__name__)


def load_mappings(department: Department | None, kind: str) -> target_import.Mappings:
    """What the department said its files' headers and values mean (for an import of `kind`)."""
    mappings = target_import.Mappings()
    if department is None:
        return mappings
    by_scope = {
        MappingScope.HEADER: mappings.headers,
        MappingScope.KIND: mappings.kinds,
        MappingScope.STATUS: mappings.statuses,
    }
    for scope, source, target in ImportMapping.objects.filter(department=department, kind=kind).values_list(
        "scope", "source", "target"
    ):
        by_scope[MappingScope(scope)][source] = target
    return mappings


def save_mappings(
    *,
    department: Department,
    kind: str,
    actor: User | None,
    headers: Mapping[str, str] = {},
    values: Mapping[tuple[str, str], str] = {},
) -> None:
    """Save (or replace) the department's mappings of headers and values; audited."""
    from registries.importing.headers import normalise_header

    items = [(MappingScope.HEADER, key, target) for key, target in headers.items()]
    items += [(MappingScope(scope), normalise_header(raw), target) for (scope, raw), target in values.items()]
    with transaction.atomic():
        for scope, source, target in items:
            ImportMapping.objects.update_or_create(
                department=department,
                kind=kind,
                scope=scope,
                source=source[:200],
                defaults={"target": target, "updated_by": actor, "updated_at": timezone.now()},
            )
        if items:
            audit_record(
                actor=actor,
                action="registry.import_mapping",
                detail={
                    "kind": str(kind),
                    "department": department.name,
                    "mappings": [[str(scope), source, target] for scope, source, target in items],
                },
            )


def _describe_columns(result: ImportResult, header: Header, spec: HeaderSpec) -> None:
    """Every column of the file and what it maps to, for the preview and the dry run."""
    labels = dict(describe(header, spec))
    not_stored = _("%(label)s（本系统不保存，不导入）")
    result.columns = [
        {
            "index": str(c.index),
            "header": c.header,
            "key": c.key,
            "maps_to": not_stored % {"label": labels.get(c.header, "")}
            if (c.field or "").startswith("~")
            else labels.get(c.header, ""),
            "how": c.how or "unknown",
            "field": c.field or "",
        }
        for c in header.columns
        if c.header
    ]
    result.unknown_columns = [c.header for c in header.unknown]
    if result.unknown_columns:
        result.message = _(
            "文件中有%(n)d列未能识别（%(columns)s）：请为每一列指定对应的内容或选择忽略，然后重新预览；未做任何修改"
        ) % {"n": len(result.unknown_columns), "columns": "、".join(result.unknown_columns)}


def _unmapped(counter: Counter[tuple[str, str]]) -> list[dict[str, object]]:
    scopes = {target_import.HEADERS["kind"]: MappingScope.KIND, target_import.HEADERS["status"]: MappingScope.STATUS}
    return [
        {"column": column, "value": value, "rows": rows, "scope": str(scopes.get(column, ""))}
        for (column, value), rows in sorted(counter.items())
    ]


def targets_import(
    *,
    path: Path,
    department: Department,
    actor: User | None = None,
    dry_run: bool = False,
    atomic: bool = False,
    progress: Progress | None = None,
    mappings: target_import.Mappings | None = None,
) -> ImportResult:
    """Import a target registry file for `department`; every rejected or warned row is reported.

    `mappings` default to the department's saved ones. A file with unknown columns is not
    imported: the result lists them (`unknown_columns`) and nothing is written.
    """
    mappings = mappings or load_mappings(department, ImportKind.TARGETS)
    result = ImportResult()

    # Parsing and writing overlap (a thread parses), so both happen inside the transaction.
    def write_streamed() -> None:
        imported = target_import.import_targets_streaming(
            path, department=department, mappings=mappings, progress=progress, stop_on_error=atomic
        )
        result.total, result.errors, result.warnings = imported.total, imported.errors, imported.warnings
        result.unmapped_values = _unmapped(imported.unmapped)
        result.created, result.updated, result.unchanged = imported.created, imported.updated, imported.unchanged
        if imported.header is not None:
            _describe_columns(result, imported.header, target_import.SPEC)

    try:
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
    except target_import.UnknownColumns as unknown:  # raised before any row was written
        _describe_columns(result, unknown.header, target_import.SPEC)
        return result


def inspectors_import(
    *,
    path: Path,
    department: Department | None = None,
    actor: User | None = None,
    dry_run: bool = False,
    atomic: bool = False,
    progress: Progress | None = None,
    mappings: target_import.Mappings | None = None,
) -> ImportResult:
    """Import an inspector file; with `department`, rows of other departments are rejected."""
    mappings = mappings or load_mappings(department, ImportKind.INSPECTORS)
    parsed = inspector_import.parse_inspectors(path, department=department, overrides=mappings.headers)
    result = ImportResult(total=parsed.total, errors=parsed.errors)
    assert parsed.header is not None
    _describe_columns(result, parsed.header, inspector_import.SPEC)
    if result.unknown_columns:
        return result

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
    """Import a checklist workbook (registries.services.checklist.checklist_import): a changed item
    gets a new version; the department's saved column mappings apply; departments the list names
    that nothing resolves are reported as warnings, the items land unclaimed by them."""
    from registries.services.checklist import checklist_import

    return checklist_import(
        path=path,
        department=department,
        actor=actor,
        dry_run=dry_run,
        atomic=atomic,
        overrides=load_mappings(department, ImportKind.ITEMS).headers,
        refuse_unknown_departments=False,
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
        result.message = _("有%(n)d行被拒绝，已按“全部成功才导入”的要求放弃整个文件，未做任何修改") % {
            "n": result.rejected
        }
        if dry_run:
            result.message = _("有%(n)d行将被拒绝；按“全部成功才导入”的要求，提交后不会做任何修改") % {
                "n": result.rejected
            }
        result.created = result.updated = result.unchanged = 0
    elif result.total <= result.rejected:
        result.message = _("文件中没有可以导入的有效行，未做任何修改")
    elif dry_run:
        result.message = _("预览：以上为将要发生的修改，尚未写入")
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


UPLOAD_SUFFIXES = (".xlsx", ".xls", ".csv", ".tsv", ".txt")


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
        raise WorkbookRefused(_("文件过大，上限为%(mb)d MB") % {"mb": settings.IMPORT_MAX_UPLOAD_BYTES // 1024 // 1024})
    job = ImportJob(
        kind=kind,
        department=user.department,
        created_by=user,
        original_name=Path(upload.name or "upload.xlsx").name[:255],
        dry_run=dry_run,
        atomic=atomic,
    )
    suffix = Path(upload.name or "").suffix.lower()
    job.file.save(f"{kind}{suffix if suffix in UPLOAD_SUFFIXES else '.dat'}", upload, save=False)
    path = Path(job.file.path)
    try:
        check_file(path)
        job.total_rows = estimate_rows(path)
    except BaseException:
        # Refused, or a file that breaks the reader in an unforeseen way: never left behind.
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
            message=_("导入时发生系统错误，未做任何修改；请联系管理员"),
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
        return job
    else:
        status = ImportStatus.PREVIEWED if job.dry_run else ImportStatus.DONE
        if not job.dry_run and ((job.atomic and result.errors) or result.unknown_columns):
            status = ImportStatus.FAILED
    job.status = status
    job.total_rows = result.total
    job.rows_done = result.total
    job.created_count = result.created
    job.updated_count = result.updated
    job.unchanged_count = result.unchanged
    job.rejected_count = result.rejected
    job.errors = [e.as_dict() for e in result.errors]
    job.warnings = [w.as_dict() for w in result.warnings]
    job.columns = result.columns
    job.unmapped_values = result.unmapped_values
    job.message = result.message
    job.finished_at = timezone.now()
    job.save()
    return job


def _row_errors(stored: list[dict[str, Any]]) -> list[RowError]:
    return [
        RowError(int(e["row"]), str(e["message"]), str(e.get("column", "")), str(e.get("value", ""))) for e in stored
    ]


def job_errors(job: ImportJob) -> list[RowError]:
    return _row_errors(job.errors)


def job_warnings(job: ImportJob) -> list[RowError]:
    return _row_errors(job.warnings)


def mapping_choices(kind: str) -> list[tuple[str, str]]:
    """What a column of a file of `kind` can be mapped to: (field, Chinese label), and ignore."""
    specs: dict[str, HeaderSpec] = {
        ImportKind.TARGETS: target_import.SPEC,
        ImportKind.INSPECTORS: inspector_import.SPEC,
        ImportKind.ITEMS: ITEM_COLUMNS,
    }
    spec = specs.get(kind)
    if spec is None:
        return []
    return [(IGNORE, _("忽略此列（不导入）"))] + [
        (name, column.label) for name, column in spec.columns.items() if not name.startswith("~")
    ]


VALUE_CHOICES = {
    MappingScope.KIND: [(str(v), str(label)) for v, label in TargetKind.choices],
    MappingScope.STATUS: [(str(v), str(label)) for v, label in TargetStatus.choices if v != TargetStatus.MERGED],
}


def import_job_map(
    *, user: User, job: ImportJob, headers: Mapping[str, str], values: Mapping[tuple[str, str], str]
) -> ImportJob:
    """Save what the user said the file's unknown columns (and unmapped values) mean, preview again.

    `headers`: normalised header -> field or IGNORE; `values`: (scope, value as written) -> choice.
    """
    require_perm(user, "registries.commit_import", job)
    allowed = {name for name, _label in mapping_choices(job.kind)}
    known_keys = {str(c.get("key")) for c in job.columns}
    clean_headers = {k: v for k, v in headers.items() if k in known_keys and v in allowed}
    clean_values = {
        (scope, raw): v
        for (scope, raw), v in values.items()
        if scope in VALUE_CHOICES and v in {c for c, _label in VALUE_CHOICES[MappingScope(scope)]}
    }
    save_mappings(department=job.department, kind=job.kind, actor=user, headers=clean_headers, values=clean_values)
    with transaction.atomic():
        claimed = ImportJob.objects.filter(
            pk=job.pk, status__in=[ImportStatus.PREVIEWED, ImportStatus.FAILED], dry_run=True
        ).update(status=ImportStatus.PENDING, rows_done=0, finished_at=None)
        job.refresh_from_db()
        queued = bool(claimed) and _enqueue_if_large(job)
    if claimed and not queued:
        import_job_run(job_id=job.pk)
        job.refresh_from_db()
    return job
