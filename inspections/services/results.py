"""Result entry (谁检查、谁录入), the 20-working-day window, corrections and evidence.

Only a member of the visit's team enters. A draft is saved as the inspector types; submitting
writes version 1, which nobody can change afterwards (PostgreSQL triggers). A correction is a
request with a reason that the principal leader of the requester's unit approves or rejects;
approval writes the next version and the original stays.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.errors import InspectionError
from inspections.models import (
    Correction,
    CorrectionStatus,
    Evidence,
    EvidenceKind,
    ItemResult,
    ItemResultCategory,
    Result,
    ResultCategory,
    ResultDraft,
    Visit,
    VisitStatus,
)
from inspections.notifications import calendar_missing_notify, correction_decided_notify, correction_pending_notify
from inspections.services.followups import follow_ups_close_corrected, follow_ups_open_for
from inspections.signals import result_submitted
from inspections.workdays import add_working_days
from plans.models import Task
from registries.access import require_perm
from registries.audit import audit_record
from registries.models import ChecklistItem, ChecklistItemVersion, User

NO_PROBLEM_CODE = "01"
FINDINGS_MAX = 5000


# --- who may enter -------------------------------------------------------------------------


def _require_team(user: User, visit: Visit) -> None:
    """谁检查、谁录入: only an officer on the visit's team enters or corrects its result."""
    require_perm(user, "inspections.enter_result", visit)


# --- what a visit asks -----------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One thing to give a result for: an item of a task (or the task as a whole)."""

    task: Task
    item: ChecklistItem | None
    version: ChecklistItemVersion | None

    @property
    def key(self) -> str:
        return f"{self.task.pk}-{self.item.pk if self.item else 0}"

    @property
    def label(self) -> str:
        if self.version is not None:
            return self.version.name
        return self.task.items_text or self.task.name


def visit_slots(visit: Visit) -> list[Slot]:
    """The union of the items of every task the visit serves, each with the version in force."""
    tasks = (
        Task.objects.filter(draw_rounds__drawn__coverage__visit=visit)
        .distinct()
        .prefetch_related("items__versions")
        .order_by("plan__year", "number", "pk")
    )
    slots: list[Slot] = []
    for task in tasks:
        items = sorted(task.items.all(), key=lambda i: i.code)
        if not items:
            slots.append(Slot(task, None, None))
        for item in items:
            current = next((v for v in item.versions.all() if v.superseded_at is None), None)
            slots.append(Slot(task, item, current))
    return slots


def result_slots(result: Result) -> list[Slot]:
    """The slots a submitted version answered, with the item versions it was checked against:
    a correction restates those, whatever the checklist or the task says today."""
    items = result.items.select_related("task", "item", "item_version").order_by(
        "task__number", "task_id", "item__code"
    )
    return [Slot(i.task, i.item, i.item_version) for i in items]


def categories_in_force() -> list[ResultCategory]:
    """The categories of the newest scheme, leaves and top-level groups without children."""
    scheme = ResultCategory.objects.filter(active=True).aggregate(s=Max("scheme"))["s"]
    return list(ResultCategory.objects.filter(scheme=scheme, active=True).select_related("parent"))


def selectable_categories() -> list[ResultCategory]:
    """What an inspector can pick: a group with sub-categories is chosen through one of them."""
    categories = categories_in_force()
    parents = {c.parent_id for c in categories if c.parent_id}
    return [c for c in categories if c.pk not in parents]


def category_groups() -> tuple[list[ResultCategory], list[ResultCategory]]:
    """What the form shows first (未发现问题) and what it folds away (findings and other states)."""
    categories = selectable_categories()
    first = [c for c in categories if c.code == NO_PROBLEM_CODE]
    return first, [c for c in categories if c.code != NO_PROBLEM_CODE]


# --- the data of an entry -----------------------------------------------------------------------


@dataclass
class Entry:
    """An entry as the form sends it, checked: the completion date, findings, categories per slot."""

    completed_on: dt.date | None
    findings: str
    items: dict[str, list[int]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "completed_on": self.completed_on.isoformat() if self.completed_on else "",
            "findings": self.findings,
            "items": self.items,
        }


def entry_from_data(data: Mapping[str, Any]) -> Entry:
    """Read an entry's JSON (a draft, a correction's proposal) leniently: drafts may be
    incomplete, shape errors become empty values. Web input is converted by
    `inspections.forms.ResultEntryForm` before it gets here."""
    raw_date = str(data.get("completed_on") or "").strip()
    try:
        completed_on = dt.date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        completed_on = None
    items: dict[str, list[int]] = {}
    raw_items = data.get("items") or {}
    if isinstance(raw_items, Mapping):
        for key, values in raw_items.items():
            if isinstance(values, list | tuple):
                items[str(key)] = sorted({int(v) for v in values if str(v).isascii() and str(v).isdigit()})
    return Entry(completed_on, str(data.get("findings") or "")[:FINDINGS_MAX], items)


def _validate(
    entry: Entry, slots: list[Slot], *, period_start: dt.date, fixed_date: dt.date | None, today: dt.date
) -> dict[str, list[ResultCategory]]:
    """Every rule of a complete entry; all problems at once, translated. Returns categories per slot.

    `fixed_date`: the completion day already on record (the visit was marked done, or a
    correction of a submitted result), which the entry cannot move.
    """
    errors: list[str] = []
    if entry.completed_on is None:
        errors.append(_("请填写检查完成日期"))
    else:
        if entry.completed_on > today:
            errors.append(_("检查完成日期不能晚于今天"))
        if entry.completed_on < period_start:
            errors.append(_("检查完成日期不能早于本次检查的起始日期 %(day)s") % {"day": f"{period_start:%Y-%m-%d}"})
        if fixed_date and entry.completed_on != fixed_date:
            errors.append(_("检查已登记于 %(day)s 完成，完成日期不能更改") % {"day": f"{fixed_date:%Y-%m-%d}"})
    allowed = {c.pk: c for c in selectable_categories()}
    chosen: dict[str, list[ResultCategory]] = {}
    for slot in slots:
        ids = entry.items.get(slot.key, [])
        picked = [allowed[i] for i in ids if i in allowed]
        if len(picked) != len(ids):
            errors.append(_("“%(item)s”的检查结果类别无效") % {"item": slot.label})
        if not picked:
            errors.append(_("请选择“%(item)s”的检查结果") % {"item": slot.label})
        elif any(c.code == NO_PROBLEM_CODE for c in picked) and len(picked) > 1:
            errors.append(_("“%(item)s”选择了“未发现问题”，不能同时选择其他结果") % {"item": slot.label})
        chosen[slot.key] = picked
    unknown = set(entry.items) - {s.key for s in slots}
    if unknown:
        errors.append(_("提交的事项不属于本次检查"))
    if any(c.is_problem for cats in chosen.values() for c in cats) and not entry.findings.strip():
        errors.append(_("发现问题的，请在“检查情况”中写明发现的问题"))
    if errors:
        raise InspectionError(errors)
    return chosen


# --- deadlines --------------------------------------------------------------------------------


def _set_deadline(visit: Visit, completed_on: dt.date) -> None:
    """Fix the visit's entry deadline: 20 working days after the completion day (not counted)."""
    deadline = add_working_days(completed_on, settings.RESULT_ENTRY_WORKING_DAYS)
    visit.entry_deadline = deadline.date
    visit.deadline_provisional = deadline.provisional
    if deadline.provisional:
        # Never silently computed: the administrators are told which year's schedule is missing.
        for year in deadline.unknown_years:
            calendar_missing_notify(year)


@transaction.atomic
def visit_complete(*, visit: Visit, user: User, visited_on: dt.date) -> Visit:
    """A team member records that the visit took place; the 20-working-day window starts."""
    _require_team(user, visit)
    if visited_on < visit.period_start:
        raise InspectionError(_("检查日期不能早于 %(day)s") % {"day": f"{visit.period_start:%Y-%m-%d}"})
    if visited_on > timezone.localdate():
        raise InspectionError(_("检查日期不能晚于今天"))
    # The conditional update claims the visit: two team members completing it at once
    # cannot both set a date (the second finds it no longer planned).
    moved = Visit.objects.filter(pk=visit.pk, status=VisitStatus.PLANNED).update(
        status=VisitStatus.DONE, visited_on=visited_on
    )
    visit.refresh_from_db()
    if moved:
        _set_deadline(visit, visited_on)
        visit.save(update_fields=["entry_deadline", "deadline_provisional"])
        audit_record(actor=user, action="inspections.visit_complete", obj=visit, detail={"visited_on": visited_on})
    return visit


def visits_recompute_provisional(*, years: list[int] | None = None) -> int:
    """After an administrator enters a year, provisional deadlines are computed again. Returns visits fixed."""
    fixed = 0
    pending = Visit.objects.filter(deadline_provisional=True, visited_on__isnull=False)
    for visit in pending.iterator():
        assert visit.visited_on is not None
        deadline = add_working_days(visit.visited_on, settings.RESULT_ENTRY_WORKING_DAYS)
        if years is not None and not (set(years) & {visit.visited_on.year, deadline.date.year}):
            continue
        Visit.objects.filter(pk=visit.pk).update(
            entry_deadline=deadline.date, deadline_provisional=deadline.provisional
        )
        fixed += not deadline.provisional
    return fixed


# --- drafts ---------------------------------------------------------------------------------------


@transaction.atomic
def result_draft_save(*, visit: Visit, user: User, data: Mapping[str, Any]) -> ResultDraft:
    """Keep what the inspector has typed so far (any state, validated only on submit)."""
    _require_team(user, visit)
    if visit.is_entered:
        raise InspectionError(_("结果已提交，不能再修改草稿；如需更正，请提出更正申请"))
    entry = entry_from_data(data)
    draft, created = ResultDraft.objects.select_for_update().get_or_create(
        visit=visit, defaults={"data": entry.as_json(), "saved_by": user}
    )
    if not created:
        draft.data = entry.as_json()
        draft.saved_by = user
        draft.saved_at = timezone.now()
        draft.revision += 1
        draft.save(update_fields=["data", "saved_by", "saved_at", "revision"])
    return draft


# --- evidence ----------------------------------------------------------------------------------------

# Accepted evidence: what a phone camera or a scanner produces.
IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
PDF = ("application/pdf", "pdf")


def _sniff(head: bytes, data: io.BytesIO) -> tuple[str, str, EvidenceKind]:
    """(content type, extension, kind) from the content, never from the name the browser sent."""
    if head.startswith(b"%PDF-"):
        return (*PDF, EvidenceKind.DOCUMENT)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(data) as image:
            image_format = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InspectionError(_("只能上传照片（JPEG、PNG、WebP）或 PDF 文书")) from exc
    if image_format not in IMAGE_FORMATS:
        raise InspectionError(_("只能上传照片（JPEG、PNG、WebP）或 PDF 文书"))
    return (*IMAGE_FORMATS[image_format], EvidenceKind.PHOTO)


@dataclass(frozen=True)
class _CheckedFile:
    """An upload whose size and content were checked; not yet stored."""

    name: str
    content: bytes
    content_type: str
    extension: str
    kind: EvidenceKind


def _size_message() -> str:
    return _("文件大小须在 1 字节至 %(mb)d MB 之间") % {"mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024)}


def _count_message() -> str:
    return _("每次检查最多上传 %(n)d 个文件") % {"n": settings.EVIDENCE_MAX_FILES}


def _evidence_check(upload: UploadedFile) -> _CheckedFile:
    """The upload's content checked by what it is (a photo Pillow can verify, or a PDF), and its size."""
    limit = settings.EVIDENCE_MAX_BYTES
    if not upload.size or upload.size > limit:
        raise InspectionError(_size_message())
    content = upload.read(limit + 1)
    if not content or len(content) > limit:
        raise InspectionError(_size_message())
    content_type, extension, kind = _sniff(content[:8], io.BytesIO(content))
    name = Path(upload.name or f"upload.{extension}").name[:255]
    return _CheckedFile(name, content, content_type, extension, kind)


def _evidence_store(*, visit: Visit, user: User, checked: _CheckedFile, written: list[Path]) -> Evidence:
    """Write the file (recorded in `written`, so a caller whose transaction fails can remove it) and its row."""
    relative = Path("evidence") / str(visit.pk) / f"{uuid.uuid4().hex}.{checked.extension}"
    absolute = Path(settings.MEDIA_ROOT) / relative
    absolute.parent.mkdir(parents=True, exist_ok=True)
    written.append(absolute)
    absolute.write_bytes(checked.content)
    evidence = Evidence.objects.create(
        visit=visit,
        kind=checked.kind,
        content_type=checked.content_type,
        original_name=checked.name,
        path=str(relative),
        size=len(checked.content),
        sha256=hashlib.sha256(checked.content).hexdigest(),
        uploaded_by=user,
    )
    audit_record(
        actor=user,
        action="inspections.evidence_add",
        obj=evidence,
        detail={"visit": visit.pk, "sha256": evidence.sha256, "size": evidence.size},
    )
    return evidence


@transaction.atomic
def evidence_add(*, visit: Visit, user: User, upload: UploadedFile) -> Evidence:
    """A photo or document for a visit whose result is not yet submitted; stored outside the database."""
    _require_team(user, visit)
    # Lock the visit: an upload racing a submission must not land beside a locked result.
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.is_entered:
        raise InspectionError(_("结果已提交，不能再上传材料"))
    if Evidence.objects.filter(visit=visit).count() >= settings.EVIDENCE_MAX_FILES:
        raise InspectionError(_count_message())
    checked = _evidence_check(upload)
    written: list[Path] = []
    try:
        return _evidence_store(visit=visit, user=user, checked=checked, written=written)
    except Exception:
        for path in written:
            path.unlink(missing_ok=True)  # no file without its row
        raise


@transaction.atomic
def evidence_remove(*, evidence: Evidence, user: User) -> None:
    """Take back a file uploaded by mistake, while the result is still a draft."""
    _require_team(user, evidence.visit)
    visit = Visit.objects.select_for_update().get(pk=evidence.visit_id)
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if evidence.result_id is not None or visit.is_entered:
        raise InspectionError(_("已随结果提交的材料不能删除"))
    path = Path(settings.MEDIA_ROOT) / evidence.path
    audit_record(
        actor=user,
        action="inspections.evidence_remove",
        obj=evidence,
        detail={"visit": evidence.visit_id, "sha256": evidence.sha256},
    )
    evidence.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


def evidence_path(evidence: Evidence) -> Path:
    return Path(settings.MEDIA_ROOT) / evidence.path


# --- submission ----------------------------------------------------------------------------------------


def _write_version(
    *,
    visit: Visit,
    version: int,
    entry: Entry,
    chosen: dict[str, list[ResultCategory]],
    slots: list[Slot],
    entered_by: User,
    deadline: dt.date,
    provisional: bool,
    late: bool,
    reason: str = "",
    approved_by: User | None = None,
) -> Result:
    assert entry.completed_on is not None
    problem = any(c.is_problem for cats in chosen.values() for c in cats)
    result = Result.objects.create(
        visit=visit,
        version=version,
        completed_on=entry.completed_on,
        findings=entry.findings.strip(),
        problem_found=problem,
        deadline=deadline,
        deadline_provisional=provisional,
        entered_late=late,
        entered_by=entered_by,
        correction_reason=reason,
        approved_by=approved_by,
    )
    for slot in slots:
        cats = chosen[slot.key]
        item_result = ItemResult.objects.create(
            result=result,
            task=slot.task,
            item=slot.item,
            item_version=slot.version,
            problem_found=any(c.is_problem for c in cats),
        )
        ItemResultCategory.objects.bulk_create(ItemResultCategory(item_result=item_result, category=c) for c in cats)
    follow_ups_open_for(result=result)
    if approved_by is not None:
        follow_ups_close_corrected(result=result, approved_by=approved_by)
    transaction.on_commit(lambda: result_submitted.send(sender=Result, result=result))
    return result


def _uploads_check(visit: Visit, uploads: Sequence[UploadedFile], errors: list[str]) -> list[_CheckedFile]:
    """The files sent with a submission, checked; what is wrong with each goes to `errors`."""
    if not uploads:
        return []
    checked: list[_CheckedFile] = []
    if Evidence.objects.filter(visit=visit).count() + len(uploads) > settings.EVIDENCE_MAX_FILES:
        errors.append(_count_message())
    else:
        for upload in uploads:
            try:
                checked.append(_evidence_check(upload))
            except InspectionError as exc:
                errors.append(
                    _("“%(name)s”未能随结果上传：%(errors)s")
                    % {"name": Path(upload.name or "").name, "errors": "；".join(exc.messages)}
                )
    if len(checked) < len(uploads):
        errors.append(_("检查结果未提交：请去掉或重新选择上述文件后再提交"))
    return checked


def result_submit(*, visit: Visit, user: User, data: Mapping[str, Any], uploads: Sequence[UploadedFile] = ()) -> Result:
    """A team member submits the visit's result: version 1, final from now on.

    `uploads` are the photos and documents chosen in the form and sent with it: checked like
    an upload, stored and attached to the result in the same transaction. One bad file refuses
    the whole submission (a submitted result cannot take evidence afterwards) and stores nothing.
    """
    written: list[Path] = []
    try:
        return _result_submit(visit=visit, user=user, data=data, uploads=uploads, written=written)
    except BaseException:
        # The transaction rolled back (or never committed): no file without its row.
        for path in written:
            path.unlink(missing_ok=True)
        raise


@transaction.atomic
def _result_submit(
    *, visit: Visit, user: User, data: Mapping[str, Any], uploads: Sequence[UploadedFile], written: list[Path]
) -> Result:
    _require_team(user, visit)
    # Row lock: two team members submitting at once write one version 1, not two.
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.is_entered or visit.results.exists():
        raise InspectionError(_("结果已提交，不能重复提交；如需更正，请提出更正申请"))
    today = timezone.localdate()
    entry = entry_from_data(data)
    slots = visit_slots(visit)
    errors: list[str] = []
    chosen: dict[str, list[ResultCategory]] = {}
    try:
        chosen = _validate(entry, slots, period_start=visit.period_start, fixed_date=visit.visited_on, today=today)
    except InspectionError as exc:
        errors.extend(exc.messages)
    checked = _uploads_check(visit, uploads, errors)
    if errors and checked and len(checked) == len(uploads):
        # The files were fine but go back with the refused entry: say so, they must be chosen again.
        errors.append(
            _("检查结果未提交，所选文件 %(names)s 也未上传：请改正上述问题后重新选择文件再提交")
            % {"names": "、".join(one.name for one in checked)}
        )
    if errors:
        raise InspectionError(errors)
    assert entry.completed_on is not None
    if visit.entry_deadline is None or visit.visited_on is None:
        visit.visited_on = entry.completed_on
        _set_deadline(visit, entry.completed_on)
    assert visit.entry_deadline is not None
    result = _write_version(
        visit=visit,
        version=1,
        entry=entry,
        chosen=chosen,
        slots=slots,
        entered_by=user,
        deadline=visit.entry_deadline,
        provisional=visit.deadline_provisional,
        late=today > visit.entry_deadline,
    )
    visit.status = VisitStatus.ENTERED
    visit.save(update_fields=["status", "visited_on", "entry_deadline", "deadline_provisional"])
    for one in checked:
        _evidence_store(visit=visit, user=user, checked=one, written=written)
    Evidence.objects.filter(visit=visit, result__isnull=True).update(result=result)
    ResultDraft.objects.filter(visit=visit).delete()
    audit_record(
        actor=user,
        action="inspections.result_submit",
        obj=result,
        detail={
            "visit": visit.pk,
            "completed_on": entry.completed_on,
            "problem_found": result.problem_found,
            "late": result.entered_late,
            "evidence_sent": len(checked),
        },
    )
    return result


def current_result(visit: Visit) -> Result | None:
    return visit.results.order_by("-version").first()


# --- corrections ---------------------------------------------------------------------------------------


@transaction.atomic
def correction_request(*, result: Result, user: User, reason: str, proposed: Mapping[str, Any]) -> Correction:
    """A team member asks to correct the current version; the unit's principal leader decides."""
    visit = result.visit
    _require_team(user, visit)
    if current_result(visit) != result:
        raise InspectionError(_("只能更正当前有效的结果版本"))
    reason = reason.strip()
    if not reason:
        raise InspectionError(_("请填写更正理由"))
    entry = entry_from_data(proposed)
    entry.completed_on = entry.completed_on or result.completed_on
    _validate(
        entry,
        result_slots(result),
        period_start=visit.period_start,
        fixed_date=result.completed_on,
        today=timezone.localdate(),
    )
    if Correction.objects.filter(result=result, status=CorrectionStatus.PENDING).exists():
        raise InspectionError(_("该结果已有待审批的更正申请"))
    if user.department_id is None:
        raise InspectionError(_("您的账号未设所属单位，无法提交更正申请"))
    correction = Correction.objects.create(
        result=result, department_id=user.department_id, reason=reason, proposed=entry.as_json(), requested_by=user
    )
    correction_pending_notify(correction, requester=user)
    audit_record(actor=user, action="inspections.correction_request", obj=correction, detail={"result": result.pk})
    return correction


@transaction.atomic
def correction_decide(*, correction: Correction, user: User, approve: bool, note: str = "") -> Correction:
    """The principal leader approves (the next version is written) or rejects (nothing changes)."""
    require_perm(user, "inspections.decide_correction", correction)
    # Claim the pending request: two decisions at once cannot both go through.
    correction = Correction.objects.select_for_update().get(pk=correction.pk)
    if not correction.is_pending:
        raise InspectionError(_("该申请已审批"))
    if not approve and not note.strip():
        raise InspectionError(_("驳回时请填写审批意见"))
    original = correction.result
    visit = original.visit
    now = timezone.now()
    if approve:
        if current_result(visit) != original:
            raise InspectionError(_("该结果已被更正，原申请不再适用"))
        entry = entry_from_data(correction.proposed)
        slots = result_slots(original)
        chosen = _validate(
            entry, slots, period_start=visit.period_start, fixed_date=original.completed_on, today=timezone.localdate()
        )
        correction.new_result = _write_version(
            visit=visit,
            version=original.version + 1,
            entry=entry,
            chosen=chosen,
            slots=slots,
            entered_by=correction.requested_by,
            deadline=original.deadline,
            provisional=original.deadline_provisional,
            late=original.entered_late,
            reason=correction.reason,
            approved_by=user,
        )
    correction.status = CorrectionStatus.APPROVED if approve else CorrectionStatus.REJECTED
    correction.decided_by = user
    correction.decided_at = now
    correction.decision_note = note.strip()
    correction.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "new_result"])
    correction_decided_notify(correction)
    audit_record(
        actor=user,
        action="inspections.correction_approve" if approve else "inspections.correction_reject",
        obj=correction,
        detail={"result": original.pk, "new_result": correction.new_result_id},
    )
    return correction
