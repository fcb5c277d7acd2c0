"""Staff pages for annual plans. Access through registries.access only: plans are scoped by owner."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credit_risk.allocation import describe
from credit_risk.models import Tier
from credit_risk.tables import TableRefusedError
from plans import selectors, services
from plans.errors import PlanError
from plans.exporting import plan_to_dict, plan_to_xlsx
from plans.forms import (
    AdjustmentForm,
    DecisionForm,
    DepartmentMappingForm,
    PlanColumnsForm,
    PlanUploadForm,
    PreviewStepForm,
    TaskScopeForm,
)
from plans.importing import PLAN_COLUMNS
from plans.models import Adjustment, AdjustmentStatus, Plan, Task
from registries.access import get_for_user, registry_view, require_perm, rule_required, scoped
from registries.importing import headers as header_reader
from registries.importing.headers import Header
from registries.models import ChecklistItemVersion, Department, User
from registries.text import form_messages

SESSION_KEY = "plan_imports"
UPLOAD_TTL_SECONDS = 24 * 3600


def _plans(user: User) -> QuerySet[Plan]:
    """Own plans and the joint plans the department cooperates in (read-only: plans.edit_plan)."""
    return selectors.plans_for(user, Plan.objects.select_related("owner"))


def _owned(user: User, plan: Plan) -> bool:
    """The plan is read through its owner's scope (its department's own, or the office's)."""
    return scoped(user, Plan.objects.filter(pk=plan.pk), "owner").exists()


def _plan_for(request: HttpRequest, pk: int, *, change: bool = False) -> Plan:
    """A plan the user may read (404 otherwise); with change, one they may edit (403 otherwise)."""
    user: User = request.user  # type: ignore[assignment]
    plan = get_object_or_404(_plans(user), pk=pk)
    if change:
        require_perm(user, "plans.edit_plan", plan)
    return plan


@registry_view
def plan_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    plans = selectors.plan_list(_plans(user))
    late = selectors.late_plans().filter(pk__in=_plans(user).values("pk"))
    return render(request, "plans/plan_list.html", {"plans": plans, "late_ids": set(late.values_list("pk", flat=True))})


def _uploads_folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "plan_imports"


def _forget(request: HttpRequest, token: str) -> None:
    """Drop a pending import and its stored file (imported, or abandoned)."""
    pending_all = request.session.get(SESSION_KEY, {})
    entry = pending_all.pop(token, None)
    request.session[SESSION_KEY] = pending_all
    if entry is not None:
        Path(entry["path"]).unlink(missing_ok=True)


def _remove_stale_uploads() -> None:
    """Stored tables nobody came back to within a day are abandoned: removed."""
    folder = _uploads_folder()
    if not folder.is_dir():
        return
    cutoff = time.time() - UPLOAD_TTL_SECONDS
    for stored in folder.iterdir():
        if stored.is_file() and stored.stat().st_mtime < cutoff:
            stored.unlink(missing_ok=True)


@rule_required("plans.import_plan")
def plan_upload(request: HttpRequest) -> HttpResponse:
    form = PlanUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            form.add_error(
                "file",
                _("文件过大（%(size)d MB），上限为 %(limit)d MB")
                % {"size": upload.size // 1024 // 1024, "limit": limit // 1024 // 1024},
            )
            return render(request, "plans/import_upload.html", {"form": form})
        # one pending import per session: an earlier upload not committed is abandoned
        for old in list(request.session.get(SESSION_KEY, {})):
            _forget(request, old)
        _remove_stale_uploads()
        token = uuid.uuid4().hex
        folder = _uploads_folder()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{token}{Path(upload.name).suffix.lower()}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        pending = request.session.get(SESSION_KEY, {})
        pending[token] = {"path": str(path), "year": form.cleaned_data["year"], "name": Path(upload.name).name}
        request.session[SESSION_KEY] = pending
        return redirect("plans:import_preview", token=token)
    return render(request, "plans/import_upload.html", {"form": form})


def _pending(request: HttpRequest, token: str) -> dict[str, Any]:
    pending = request.session.get(SESSION_KEY, {}).get(token)
    if pending is None:
        raise Http404
    return pending


def _keep(request: HttpRequest, token: str, pending: dict[str, Any]) -> None:
    pending_all = request.session.get(SESSION_KEY, {})
    pending_all[token] = pending
    request.session[SESSION_KEY] = pending_all


@rule_required("plans.import_plan")
def plan_import_preview(request: HttpRequest, token: str) -> HttpResponse:
    """Every column and where it lands, every parsed field and every unresolved name (with the level
    and region a new department would get); map or ignore the columns, map or create the names, commit."""
    user: User = request.user  # type: ignore[assignment]
    owner = user.department
    assert owner is not None
    pending = _pending(request, token)
    path = Path(pending["path"])
    problems: list[str] = []
    step = PreviewStepForm(request.POST if request.method == "POST" else None)
    posted = step.is_valid()
    if step.is_bound and not posted:
        problems = form_messages(step)
    if posted and step.chosen == PreviewStepForm.ABANDON:
        _forget(request, token)
        return redirect("plans:upload")
    try:
        overrides = services.plan_column_mappings(owner) | (pending.get("overrides") or {})
        parsed = services.plan_parse(path=path, year=pending["year"], owner=owner, overrides=overrides)
    except TableRefusedError as exc:
        _forget(request, token)
        messages.error(request, str(exc))
        return redirect("plans:upload")
    unresolved = parsed.unresolved
    departments = Department.objects.filter(is_active=True).order_by("level", "name")
    columns_form = PlanColumnsForm(
        request.POST if posted and step.chosen == PreviewStepForm.COLUMNS else None, parsed=parsed
    )
    mapping_form = DepartmentMappingForm(
        request.POST if posted and step.chosen == PreviewStepForm.COMMIT else None,
        names=unresolved,
        departments=departments,
        owner=owner,
    )
    if columns_form.is_bound:
        if columns_form.is_valid():
            pending["overrides"] = (pending.get("overrides") or {}) | columns_form.overrides()
            services.plan_column_mappings_save(owner=owner, overrides=pending["overrides"], user=user)
            _keep(request, token, pending)
            return redirect("plans:import_preview", token=token)
        problems = form_messages(columns_form)
    elif mapping_form.is_bound:
        if mapping_form.is_valid():
            try:
                plan = services.plan_import(
                    path=path,
                    year=pending["year"],
                    owner=owner,
                    user=user,
                    mapping=mapping_form.mapping(),
                    create=mapping_form.create(),
                    overrides=overrides,
                    places=mapping_form.places(),
                )
            except PlanError as exc:
                problems = exc.messages
            else:
                _forget(request, token)
                messages.success(
                    request, _("已导入计划“%(t)s”，共 %(n)d 项任务") % {"t": plan.title, "n": len(parsed.tasks)}
                )
                return redirect("plans:detail", pk=plan.pk)
        else:
            problems = form_messages(mapping_form)
    names = dict(departments.values_list("pk", "name"))

    def shown(refs: list[Any]) -> list[tuple[str, str | None]]:
        return [(ref.text, names.get(ref.department_id)) for ref in refs]

    rows = [
        (t, shown(t.initiator), shown([r for r in t.cooperating if r.department_id in (None, *t.cooperating_ids)]))
        for t in parsed.tasks
    ]
    return render(
        request,
        "plans/import_preview.html",
        {
            "parsed": parsed,
            "rows": rows,
            "pending": pending,
            "columns": header_reader.describe(Header((), 0, parsed.headers), PLAN_COLUMNS),
            "columns_form": columns_form,
            "mapping_form": mapping_form,
            "warnings": [w for t in parsed.tasks for w in t.warnings],
            "problems": problems,
            "token": token,
            "COLUMNS": PreviewStepForm.COLUMNS,
            "ABANDON": PreviewStepForm.ABANDON,
        },
    )


@registry_view
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for(request, pk)
    user: User = request.user  # type: ignore[assignment]
    owned = _owned(user, plan)
    tasks = plan.tasks.select_related("initiator", "policy").prefetch_related(
        "cooperating",
        "items",
        Prefetch("items__versions", queryset=ChecklistItemVersion.objects.filter(superseded_at__isnull=True)),
    )
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "tasks": tasks,
            "findings": selectors.plan_checks(plan),
            "versions": plan.versions.all(),
            # a cooperating department reads the plan, not its owner's adjustments or tier counts
            "adjustments": plan.adjustments.select_related("submitted_by") if owned else [],
            "owned": owned,
            "can_change": user.has_perm("plans.edit_plan", plan),
            "is_late": plan.is_late(),
        },
    )


@registry_view
def task_allocation(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx partial: the live scope per tier and the counts the policy would draw (staff only, never public)."""
    user: User = request.user  # type: ignore[assignment]
    task = get_object_or_404(scoped(user, Task.objects.select_related("plan", "policy"), "plan__owner"), pk=pk)
    allocation = selectors.task_allocation(task)
    rows = []
    if allocation:
        labels = dict(Tier.choices)
        rows = [
            (labels[t], n, f"{float(allocation.rates[t] * 100):.4g}%", allocation.counts[t])
            for t, n in allocation.population.items()
            if n
        ]
    return render(
        request,
        "plans/_task_allocation.html",
        {"task": task, "allocation": allocation, "rows": rows, "summary": describe(allocation) if allocation else ""},
    )


@rule_required("registries.change_department_data")
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    task = get_for_user(user, Task.objects.select_related("plan"), perm="plans.edit_task", field="plan__owner", pk=pk)
    form = TaskScopeForm(request.POST or None, instance=task)
    if request.method == "POST" and form.is_valid():
        services.task_scope_update(task=task, data=form.cleaned_data)
        messages.success(request, _("已保存"))
        return redirect("plans:detail", pk=task.plan_id)
    return render(request, "plans/task_edit.html", {"task": task, "form": form})


@require_POST
@rule_required("registries.change_department_data")
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for(request, pk, change=True)
    try:
        services.plan_publish(plan=plan, user=request.user, request=request)  # type: ignore[arg-type]
    except PlanError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("计划已公布，已在公示网站显示"))
    return redirect("plans:detail", pk=plan.pk)


@registry_view
def plan_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("json", "xlsx"):
        raise Http404
    plan = _plan_for(request, pk)
    data = plan_to_dict(plan)
    filename = f"plan-{plan.year}-{plan.pk}"
    if fmt == "json":
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
        return response
    response = HttpResponse(
        plan_to_xlsx(data), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


@registry_view
def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    plan = _plan_for(request, pk)
    version = get_object_or_404(plan.versions, number=number)
    return render(request, "plans/version_detail.html", {"plan": plan, "version": version})


@rule_required("registries.change_department_data")
def adjustment_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for(request, pk, change=True)
    form = AdjustmentForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.adjustment_submit(
                plan=plan,
                user=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
                scan=form.cleaned_data["scan"],
                revised_table=form.cleaned_data["revised_table"],
                request=request,
            )
        except PlanError as exc:
            problems = exc.messages
        else:
            messages.success(request, _("调整申请已提交领导小组办公室备案"))
            return redirect("plans:detail", pk=plan.pk)
    return render(request, "plans/adjustment_form.html", {"plan": plan, "form": form, "problems": problems})


def _adjustments(user: User) -> QuerySet[Adjustment]:
    return scoped(user, Adjustment.objects.select_related("plan__owner", "submitted_by"), "plan__owner")


@registry_view
def adjustment_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(request, "plans/adjustment_list.html", {"adjustments": _adjustments(user)})


@registry_view
def adjustment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    adjustment = get_object_or_404(_adjustments(user), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not user.has_perm("plans.decide_adjustment", adjustment):
            raise PermissionDenied
        if form.is_valid():
            note = form.cleaned_data["note"]
            try:
                if form.returns:
                    services.adjustment_return(adjustment=adjustment, user=user, note=note, request=request)
                    messages.success(request, _("已退回"))
                else:
                    services.adjustment_file(adjustment=adjustment, user=user, note=note, request=request)
                    messages.success(request, _("已备案，计划已更新为新版本"))
            except PlanError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            return redirect("plans:adjustment_detail", pk=adjustment.pk)
    return render(
        request,
        "plans/adjustment_detail.html",
        {
            "adjustment": adjustment,
            "form": form,
            "can_decide": user.has_perm("plans.decide_adjustment", adjustment)
            and adjustment.status == AdjustmentStatus.SUBMITTED,
        },
    )


@registry_view
def adjustment_file_download(request: HttpRequest, pk: int, which: str) -> HttpResponse:
    """Uploaded files are never served directly: streamed after the permission check."""
    user: User = request.user  # type: ignore[assignment]
    if which not in ("scan", "table"):
        raise Http404
    adjustment = get_object_or_404(_adjustments(user), pk=pk)
    field = adjustment.scan if which == "scan" else adjustment.revised_table
    response = FileResponse(field.open("rb"), as_attachment=True, filename=Path(field.name).name)
    return cast(HttpResponse, response)  # a streaming response; the decorators only pass it through
