"""Pages of results: a visit's entry form (for the phone), evidence, corrections, follow-ups, summaries.

Access: `selectors.visible_visits` decides which visits a user sees (an inspector: their
team's; staff and leaders: their departments' tasks; the office: all); the services decide
who may change what (谁检查、谁录入; the unit's principal leader decides corrections; the
responsible department's staff record follow-up steps).
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inspections import selectors
from inspections.errors import InspectionError
from inspections.forms import (
    CorrectionDecisionForm,
    CorrectionRequestForm,
    EvidenceUploadForm,
    FollowUpFilterForm,
    FollowUpStepForm,
    ResultEntryForm,
    ResultSubmitForm,
    VisitDoneForm,
)
from inspections.models import (
    Correction,
    Evidence,
    EvidenceKind,
    FollowUpStatus,
    StepKind,
    Visit,
    VisitStatus,
)
from inspections.services import followups as follow_up_services
from inspections.services import results as result_services
from inspections.summary import summary_workbook, task_departments, task_summary
from inspections.workdays import WorkingDays
from plans.models import Task
from registries.access import registry_view, rule_required, scoped
from registries.models import Department, User
from registries.text import form_messages


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _visit_for(request: HttpRequest, pk: int) -> Visit:
    """A visit the user may see. An inspector who is not on its team gets 403 (谁检查、谁录入:
    the visit is someone else's to enter); anyone else who may not see it gets 404."""
    user = _user(request)
    visit = selectors.visible_visits(user).filter(pk=pk).first()
    if visit is not None:
        return visit
    if user.has_perm("inspections.record_visits") and Visit.objects.filter(pk=pk).exists():
        raise PermissionDenied
    raise Http404


def _error(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(request: HttpRequest, form: Form) -> None:
    """A form's errors as messages (the pages show them above the form)."""
    for message in form_messages(form):
        messages.error(request, message)


def _slot_rows(
    visit: Visit, data: dict[str, object], slots: list[result_services.Slot] | None = None
) -> list[tuple[result_services.Slot, set[int], bool]]:
    """Per slot: the slot, the chosen category ids, and whether one of them is beyond "未发现问题"."""
    chosen = data.get("items") or {}
    assert isinstance(chosen, dict)
    first, _others = result_services.category_groups()
    first_ids = {c.pk for c in first}
    rows = []
    for slot in result_services.visit_slots(visit) if slots is None else slots:
        ids = {int(c) for c in chosen.get(slot.key, [])}
        rows.append((slot, ids, bool(ids - first_ids)))
    return rows


def _category_context() -> dict[str, object]:
    first, others = result_services.category_groups()
    return {"first_categories": first, "other_categories": others}


@rule_required("inspections.view_visits")
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The visit: for a team member before submission the entry form, otherwise the result and its history."""
    user = _user(request)
    visit = _visit_for(request, pk)
    on_team = user.has_perm("inspections.enter_result", visit)
    results = list(selectors.visit_results(visit))
    context: dict[str, object] = {
        "visit": visit,
        "on_team": on_team,
        "results": results,
        "current": results[0] if results else None,
        "team": selectors.visit_teams(visit),
        "tasks": result_services.visit_slots(visit),
        "evidence": visit.evidence.all(),
        "corrections": visit_corrections(visit),
        "today": timezone.localdate(),
        "days_left": visit.working_days_left(),
    }
    if on_team and not visit.is_entered:
        draft = getattr(visit, "draft", None)
        data = draft.data if draft else {}
        if not data.get("completed_on"):
            data = {**data, "completed_on": (visit.visited_on or timezone.localdate()).isoformat()}
        context.update(
            {
                "draft": draft,
                "data": data,
                "slot_rows": _slot_rows(visit, data),
                **_category_context(),
                "max_mb": _max_mb(),
            }
        )
    return render(request, "inspections/visit_detail.html", context)


@rule_required("inspections.view_visits")
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable inspection record (检查记录) of a visit: internal, so the findings are on it.
    Whoever may see the visit page may print it (the same lookup, the same 403/404)."""
    visit = _visit_for(request, pk)
    results = list(selectors.visit_results(visit))
    context: dict[str, object] = {
        "visit": visit,
        "current": results[0] if results else None,
        "team": selectors.visit_teams(visit),
        "tasks": result_services.visit_slots(visit),
        "printed_at": timezone.localtime(),
    }
    return render(request, "inspections/visit_record.html", context)


def visit_corrections(visit: Visit) -> list[Correction]:
    return list(
        Correction.objects.filter(result__visit=visit)
        .select_related("requested_by", "decided_by", "result")
        .order_by("-requested_at")
    )


def _max_mb() -> int:
    from django.conf import settings

    return int(settings.EVIDENCE_MAX_BYTES) // (1024 * 1024)


@require_POST
@rule_required("inspections.record_visits")
def visit_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """Autosave (htmx): the form posts itself on every change; answers with the saved time."""
    visit = _visit_for(request, pk)
    form = ResultEntryForm(request.POST)
    try:
        if not form.is_valid():
            raise InspectionError(form_messages(form))
        draft = result_services.result_draft_save(visit=visit, user=_user(request), data=form.entry().as_json())
    except ValidationError as exc:
        return render(request, "inspections/_draft_status.html", {"error": " ".join(exc.messages)}, status=409)
    if not request.headers.get("HX-Request"):
        messages.success(request, _("草稿已保存"))
        return redirect("inspections:visit_detail", pk=pk)
    return render(request, "inspections/_draft_status.html", {"draft": draft})


@require_POST
@rule_required("inspections.record_visits")
def visit_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """The result, with the photos and documents chosen in the form and not yet uploaded (one
    transaction: a file that is refused refuses the submission, and what was typed stays a draft)."""
    visit = _visit_for(request, pk)
    user = _user(request)
    form = ResultSubmitForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        if not visit.is_entered and user.has_perm("inspections.enter_result", visit):
            entry_form = ResultEntryForm(request.POST)
            if entry_form.is_valid():
                result_services.result_draft_save(visit=visit, user=user, data=entry_form.entry().as_json())
        return redirect("inspections:visit_detail", pk=pk)
    entry = form.entry()
    uploads = form.cleaned_data["evidence"]
    try:
        result = result_services.result_submit(visit=visit, user=user, data=entry.as_json(), uploads=uploads)
    except ValidationError as exc:
        # Keep what was typed: the draft holds it for the next attempt.
        if not visit.is_entered:
            result_services.result_draft_save(visit=visit, user=user, data=entry.as_json())
        _error(request, exc)
        return redirect("inspections:visit_detail", pk=pk)
    if uploads:
        messages.success(
            request, _("已随结果上传 %(names)s") % {"names": "、".join(str(upload.name) for upload in uploads)}
        )
    if result.entered_late:
        messages.success(request, _("检查结果已提交并锁定（已超过录入期限），将依法向社会公示"))
    else:
        messages.success(request, _("检查结果已提交并锁定，将依法向社会公示"))
    return redirect("inspections:visit_detail", pk=pk)


@require_POST
@rule_required("inspections.record_visits")
def visit_done(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_for(request, pk)
    form = VisitDoneForm(request.POST)
    if form.is_valid():
        try:
            result_services.visit_complete(visit=visit, user=_user(request), visited_on=form.cleaned_data["visited_on"])
        except ValidationError as exc:
            _error(request, exc)
    else:
        _form_errors(request, form)
    if form.data.get("next") == "detail":
        return redirect("inspections:visit_detail", pk=pk)
    return redirect("inspections:my_visits")


@require_POST
@rule_required("inspections.record_visits")
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Photos and documents, before the result is submitted. Sent from the entry form (the 上传
    button posts it here), so what was typed is kept as the draft too."""
    visit = _visit_for(request, pk)
    user = _user(request)
    if "completed_on" in request.POST and not visit.is_entered and user.has_perm("inspections.enter_result", visit):
        entry_form = ResultEntryForm(request.POST)
        if entry_form.is_valid():
            result_services.result_draft_save(visit=visit, user=user, data=entry_form.entry().as_json())
    form = EvidenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("inspections:visit_detail", pk=pk)
    for upload in form.cleaned_data["evidence"]:
        try:
            result_services.evidence_add(visit=visit, user=user, upload=upload)
        except ValidationError as exc:
            messages.error(
                request, _("%(name)s：%(errors)s") % {"name": upload.name, "errors": "；".join(exc.messages)}
            )
        else:
            messages.success(request, _("已上传 %(name)s") % {"name": upload.name})
    return redirect("inspections:visit_detail", pk=pk)


def _evidence_for(request: HttpRequest, pk: int) -> Evidence:
    evidence = get_object_or_404(Evidence.objects.select_related("visit"), pk=pk)
    # Visible when its visit is: otherwise 404, the file's existence is not confirmed.
    if not selectors.visible_visits(_user(request)).filter(pk=evidence.visit_id).exists():
        raise Http404
    return evidence


@rule_required("inspections.view_visits")
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence_for(request, pk)
    path = result_services.evidence_path(evidence)
    if not path.is_file():
        raise Http404
    response = FileResponse(path.open("rb"), content_type=evidence.content_type)
    # Photos show inline; documents download (a PDF is accepted on its header alone). Either way
    # the file runs nothing in the app's origin and no shared cache keeps confidential material.
    disposition = "inline" if evidence.kind == EvidenceKind.PHOTO else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename=evidence-{evidence.pk}{path.suffix}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return cast(HttpResponse, response)


@require_POST
@rule_required("inspections.record_visits")
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence_for(request, pk)
    try:
        result_services.evidence_remove(evidence=evidence, user=_user(request))
    except ValidationError as exc:
        _error(request, exc)
    return redirect("inspections:visit_detail", pk=evidence.visit_id)


@rule_required("inspections.record_visits")
def correction_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A team member asks to correct the submitted result; the form starts from the current version."""
    visit = _visit_for(request, pk)
    user = _user(request)
    if not user.has_perm("inspections.enter_result", visit):
        raise PermissionDenied
    current = result_services.current_result(visit)
    if current is None:
        raise Http404
    form = CorrectionRequestForm(request.POST or None)
    data = _result_data(current)
    if request.method == "POST":
        if form.is_valid():
            entry = form.entry()
            data = entry.as_json()
            try:
                correction = result_services.correction_request(
                    result=current, user=user, reason=form.cleaned_data["reason"], proposed=data
                )
            except ValidationError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("更正申请已提交，待单位主要负责人审批"))
                return redirect("inspections:correction_detail", pk=correction.pk)
        else:
            _form_errors(request, form)
    return render(
        request,
        "inspections/correction_form.html",
        {
            "visit": visit,
            "current": current,
            "data": data,
            "reason": form.data.get("reason", ""),
            "slot_rows": _slot_rows(visit, data, result_services.result_slots(current)),
            **_category_context(),
        },
    )


def _result_data(result: object) -> dict[str, object]:
    from inspections.models import Result

    assert isinstance(result, Result)
    items: dict[str, list[int]] = {}
    for item_result in result.items.prefetch_related("categories"):
        key = f"{item_result.task_id}-{item_result.item_id or 0}"
        items[key] = [c.pk for c in item_result.categories.all()]
    return {"completed_on": result.completed_on.isoformat(), "findings": result.findings, "items": items}


@rule_required("inspections.view_visits")
def correction_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    corrections = selectors.visible_corrections(user)
    status = request.GET.get("status", "pending" if user.has_perm("inspections.review_corrections") else "")
    if status:
        corrections = corrections.filter(status=status)
    page = Paginator(corrections.order_by("-requested_at"), 30).get_page(request.GET.get("page"))
    return render(request, "inspections/correction_list.html", {"page": page, "status": status})


@rule_required("inspections.view_visits")
def correction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    correction = get_object_or_404(selectors.visible_corrections(user), pk=pk)
    can_decide = user.has_perm("inspections.decide_correction", correction) and correction.is_pending
    if request.method == "POST":
        if not user.has_perm("inspections.decide_correction", correction):
            raise PermissionDenied
        form = CorrectionDecisionForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect("inspections:correction_detail", pk=pk)
        try:
            result_services.correction_decide(
                correction=correction, user=user, approve=form.approve, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("已批准更正") if form.approve else _("已驳回更正"))
        return redirect("inspections:correction_detail", pk=pk)
    visit = correction.result.visit
    proposed = correction.proposed
    categories = {c.pk: c for c in result_services.categories_in_force()}
    proposed_rows = [
        (slot, [categories[c] for c in proposed.get("items", {}).get(slot.key, []) if c in categories])
        for slot in result_services.result_slots(correction.result)
    ]
    return render(
        request,
        "inspections/correction_detail.html",
        {
            "correction": correction,
            "visit": visit,
            "original": next(r for r in selectors.visit_results(visit) if r.pk == correction.result_id),
            "proposed_rows": proposed_rows,
            "proposed": proposed,
            "can_decide": can_decide,
        },
    )


@registry_view
def follow_up_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    entries = selectors.visible_follow_ups(user)
    asked = FollowUpFilterForm(request.GET).filters()
    status, overdue, query = asked["status"], asked["overdue"], asked["q"]
    if status:
        entries = entries.filter(status=status)
    today = timezone.localdate()
    if overdue:
        entries = entries.filter(status=FollowUpStatus.OPEN, due_on__lt=today)
    if query:
        entries = entries.filter(target__name__icontains=query) | entries.filter(target__credit_code=query.upper())
    page = Paginator(entries.order_by("status", "due_on", "pk"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/follow_up_list.html",
        {"page": page, "status": status, "overdue": overdue, "q": query, "today": today},
    )


@registry_view
def follow_up_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    follow_up = get_object_or_404(selectors.visible_follow_ups(user), pk=pk)
    can_change = user.has_perm("inspections.record_follow_up", follow_up)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        form = FollowUpStepForm(request.POST)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect("inspections:follow_up_detail", pk=pk)
        try:
            follow_up_services.follow_up_step_add(follow_up=follow_up, user=user, **form.cleaned_data)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("已登记"))
        return redirect("inspections:follow_up_detail", pk=pk)
    return render(
        request,
        "inspections/follow_up_detail.html",
        {
            "entry": follow_up,
            "steps": follow_up.steps.select_related("recorded_by", "to_department"),
            "can_change": can_change and follow_up.is_open,
            "kinds": [(k, str(label)) for k, label in StepKind.choices],
            "departments": Department.objects.exclude(pk=follow_up.department_id).order_by("name"),
            "today": timezone.localdate(),
            "overdue": follow_up.is_overdue(),
        },
    )


def _task_for(request: HttpRequest, task_id: int) -> Task:
    user = _user(request)
    qs = Task.objects.select_related("plan__owner", "initiator")
    visible = scoped(user, qs, "initiator") | scoped(user, qs, "cooperating")
    return get_object_or_404(visible.distinct(), pk=task_id)


@registry_view
def task_results(request: HttpRequest, task_id: int) -> HttpResponse:
    """Staff: every visit of a task with its deadline, days left, lateness and result."""
    task = _task_for(request, task_id)
    show = request.GET.get("show", "")
    today = timezone.localdate()
    visits = selectors.task_visits(task, show=show, today=today).prefetch_related("results")
    page = Paginator(visits, 50).get_page(request.GET.get("page"))
    deadlines = [v.entry_deadline for v in page if v.entry_deadline]
    calendar = WorkingDays.load(min([today, *deadlines]).year, max([today, *deadlines]).year)
    rows = [
        (
            visit,
            next(iter(visit.results.all()), None),
            calendar.between(today, visit.entry_deadline)
            if visit.entry_deadline and visit.status == VisitStatus.DONE
            else None,
        )
        for visit in page
    ]
    return render(
        request,
        "inspections/task_results.html",
        {"task": task, "page": page, "rows": rows, "show": show, "today": today, "departments": task_departments(task)},
    )


@registry_view
def task_summary_export(request: HttpRequest, task_id: int, department_id: int) -> HttpResponse:
    task = _task_for(request, task_id)
    department = next((d for d in task_departments(task) if d.pk == department_id), None)
    if department is None:
        raise Http404
    content = summary_workbook(task_summary(task, department))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="summary-task{task.pk}-dept{department.pk}.xlsx"'
    return response
