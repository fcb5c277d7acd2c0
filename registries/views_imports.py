"""Import and export pages of the registries. Thin: access check, one service call, render."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from registries.access import get_for_user, registry_view, scoped
from registries.importing import export
from registries.importing.workbook import WorkbookRefused
from registries.models import ChecklistItem, ImportJob, ImportKind, Inspector, Target, User
from registries.services.imports import (
    import_job_commit,
    import_job_create,
    job_errors,
    registry_export,
)

ERRORS_SHOWN = 1000


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("导入内容"), choices=ImportKind.choices)
    file = forms.FileField(label=gettext_lazy("Excel文件（.xlsx）"))
    atomic = forms.BooleanField(
        label=gettext_lazy("全部成功才导入（有任何一行被拒绝则整个文件都不导入）"), required=False, initial=True
    )


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@registry_view
def import_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ImportForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST":
        if not user.has_perm("registries.import_registry"):
            raise PermissionDenied
        if form.is_valid():
            try:
                job = import_job_create(
                    user=user,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    dry_run=True,
                    atomic=form.cleaned_data["atomic"],
                )
            except WorkbookRefused as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("registries:import_detail", pk=job.pk)
    jobs = scoped(user, ImportJob.objects.select_related("department", "created_by"))[:50]
    return render(
        request,
        "registries/imports/list.html",
        {
            "form": form,
            "jobs": jobs,
            "can_import": user.has_perm("registries.import_registry"),
            "kinds": ImportKind.choices,
        },
    )


def _job_context(user: User, job: ImportJob) -> dict[str, object]:
    errors = job_errors(job)
    return {
        "job": job,
        "errors": errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
        "can_commit": job.status == "previewed"
        and user.has_perm("registries.commit_import", job)
        and not (job.atomic and job.rejected_count),
    }


@registry_view
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    job = get_for_user(user, ImportJob.objects.select_related("department", "created_by"), pk=pk)
    return render(request, "registries/imports/detail.html", _job_context(user, job))


@registry_view
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx poll: the progress bar while running, the whole result once finished."""
    user = _user(request)
    job = get_for_user(user, ImportJob.objects.select_related("department", "created_by"), pk=pk)
    return render(request, "registries/imports/_job.html", _job_context(user, job))


@registry_view
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    job = get_for_user(user, ImportJob.objects.all(), perm="registries.commit_import", pk=pk)
    job = import_job_commit(user=user, job=job)
    if job.status == "done":
        messages.success(request, _("导入完成"))
    return redirect("registries:import_detail", pk=job.pk)


EXPORTS: dict[str, tuple[type[Any], Callable[..., int], str | None]] = {
    "targets": (Target, export.export_targets, "department"),
    "inspectors": (Inspector, export.export_inspectors, "department"),
    "items": (ChecklistItem, export.export_items, None),
}


@registry_view
def export_download(request: HttpRequest, kind: str) -> HttpResponse:
    user = _user(request)
    if kind not in EXPORTS:
        raise Http404
    model, write, field = EXPORTS[kind]
    queryset = model.objects.all()
    if field:
        queryset = scoped(user, queryset, field)
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as tmp:
        path = Path(tmp.name)
    registry_export(actor=user, kind=kind, queryset=queryset, path=path, writer=write)
    name = f"{ImportKind(kind).label}-{timezone.localdate():%Y%m%d}.xlsx"
    handle = path.open("rb")
    path.unlink()  # the open handle keeps the data until the response is sent
    return FileResponse(handle, as_attachment=True, filename=name)  # type: ignore[return-value]
