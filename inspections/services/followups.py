"""Follow-up (后续处理): a ledger entry per finding, its dated steps, and the credit-risk record."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_risk.services import risk_signal_record
from inspections.errors import InspectionError
from inspections.models import (
    DUE_KINDS,
    TRANSFER_KINDS,
    FollowUp,
    FollowUpStatus,
    FollowUpStep,
    ItemResult,
    Result,
    StepKind,
)
from registries.access import require_perm
from registries.audit import audit_record
from registries.models import Department, User

NOTE_MAX = 2000


def _responsible_department(item_result: ItemResult) -> Department:
    """The department whose item it is: a task department that claimed it, else the initiator."""
    task = item_result.task
    departments = [task.initiator_id, *task.cooperating.values_list("pk", flat=True)]
    if item_result.item_id is not None:
        claimed = set(item_result.item.claims.values_list("department_id", flat=True)) if item_result.item else set()
        for department_id in departments:
            if department_id in claimed:
                return Department.objects.get(pk=department_id)
    if task.initiator is not None:
        return task.initiator
    return task.plan.owner


def follow_ups_open_for(*, result: Result) -> list[FollowUp]:
    """Open a ledger entry for every item with a problem that has none yet at this visit.

    Called in the transaction that writes the result version. A correction that finds a new
    problem opens its entry; entries already open stay open (they are closed by their steps).
    """
    visit = result.visit
    already: set[tuple[int, int | None]] = set(
        FollowUp.objects.filter(visit=visit).values_list("task_id", "item_result__item_id")
    )
    opened: list[FollowUp] = []
    for item_result in result.items.filter(problem_found=True).select_related("task__initiator", "task__plan", "item"):
        if (item_result.task_id, item_result.item_id) in already:
            continue
        follow_up = FollowUp.objects.create(
            item_result=item_result,
            visit=visit,
            target_id=visit.target_id,
            task=item_result.task,
            department=_responsible_department(item_result),
        )
        opened.append(follow_up)
        already.add((item_result.task_id, item_result.item_id))
    if opened:
        # Findings flag the object for the credit-risk side: a record the tier review reads.
        risk_signal_record(
            target_id=visit.target_id,
            source="inspection",
            reference=f"result:{result.pk}",
            occurred_on=result.completed_on,
            summary="；".join(sorted({f"{f.task.name}" for f in opened}))[:300],
        )
    return opened


CORRECTED_OUTCOME = "经批准更正，不再认定发现问题"


def follow_ups_close_corrected(*, result: Result, approved_by: User) -> int:
    """An approved correction that no longer finds a problem in an item closes that item's open
    entry, signed by the approving leader (the steps before stay on record). Returns entries closed."""
    still = set(result.items.filter(problem_found=True).values_list("task_id", "item_id"))
    closed = 0
    for follow_up in FollowUp.objects.select_for_update().filter(visit=result.visit, status=FollowUpStatus.OPEN):
        if (follow_up.task_id, follow_up.item_result.item_id) in still:
            continue
        FollowUpStep.objects.create(
            follow_up=follow_up,
            kind=StepKind.CLOSE,
            done_on=timezone.localdate(),
            note=f"结果第{result.version}版：{result.correction_reason}",
            recorded_by=approved_by,
        )
        follow_up.status = FollowUpStatus.CLOSED
        follow_up.closed_at = timezone.now()
        follow_up.due_on = None
        follow_up.outcome = CORRECTED_OUTCOME
        follow_up.save(update_fields=["status", "closed_at", "due_on", "outcome"])
        closed += 1
    return closed


@transaction.atomic
def follow_up_step_add(
    *,
    follow_up: FollowUp,
    user: User,
    kind: str,
    done_on: dt.date,
    due_on: dt.date | None = None,
    to_department: Department | None = None,
    to_body: str = "",
    note: str = "",
) -> FollowUpStep:
    """Record one dated, signed step; a closing step ends the entry with its outcome."""
    require_perm(user, "inspections.record_follow_up", follow_up)
    # Lock the entry: two staff closing it at once must not both append a closing step.
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    errors: list[str] = []
    if kind not in StepKind.values:
        raise InspectionError(_("请选择处理方式"))
    if follow_up.status == FollowUpStatus.CLOSED:
        raise InspectionError(_("该台账已办结"))
    if done_on > timezone.localdate():
        errors.append(_("日期不能晚于今天"))
    visited_on = follow_up.visit.visited_on
    if visited_on and done_on < visited_on:
        errors.append(_("日期不能早于检查日期"))
    if kind in DUE_KINDS and due_on is None:
        errors.append(_("请填写办理期限"))
    if due_on is not None and due_on < done_on:
        errors.append(_("办理期限不能早于登记日期"))
    if kind == StepKind.TRANSFER and to_department is None and not to_body.strip():
        errors.append(_("请选择或填写移送的部门"))
    if kind in TRANSFER_KINDS - {StepKind.TRANSFER} and not to_body.strip():
        errors.append(_("请填写接收机关名称"))
    if kind == StepKind.CLOSE and not note.strip():
        errors.append(_("办结时请写明处理结果"))
    if len(to_body) > 200:
        errors.append(_("接收机关名称最多 200 字"))
    if len(note) > NOTE_MAX:
        errors.append(_("说明最多 %(limit_value)d 字") % {"limit_value": NOTE_MAX})
    if errors:
        raise InspectionError(errors)
    step = FollowUpStep.objects.create(
        follow_up=follow_up,
        kind=kind,
        done_on=done_on,
        due_on=due_on if kind in DUE_KINDS else None,
        to_department=to_department,
        to_body=to_body.strip(),
        note=note.strip(),
        recorded_by=user,
    )
    fields = ["due_on"]
    if kind in DUE_KINDS:
        follow_up.due_on = due_on
    elif kind in TRANSFER_KINDS or kind in (StepKind.RECTIFIED, StepKind.CLOSE):
        # The matter is handed on or done: nothing of ours is due any more.
        follow_up.due_on = None
    if kind == StepKind.CLOSE:
        follow_up.status = FollowUpStatus.CLOSED
        follow_up.closed_at = timezone.now()
        follow_up.outcome = _outcome(follow_up)
        fields += ["status", "closed_at", "outcome"]
    follow_up.save(update_fields=fields)
    audit_record(
        actor=user,
        action="inspections.follow_up_step",
        obj=follow_up,
        detail={"kind": kind, "done_on": done_on, "due_on": due_on, "step": step.pk},
    )
    return step


def _outcome(follow_up: FollowUp) -> str:
    """What the public sees once closed: the kinds of step taken, in order. The notes stay
    internal (they may name people or case details)."""
    kinds = (
        follow_up.steps.exclude(kind__in=[StepKind.NOTE, StepKind.CLOSE])
        .order_by("recorded_at", "id")
        .values_list("kind", flat=True)
    )
    taken = "、".join(dict.fromkeys(str(StepKind(k).label) for k in kinds))
    return f"{taken}，已办结" if taken else "已办结"
