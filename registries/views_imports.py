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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from registries import selectors
from registries.access import get_for_user, registry_view, scoped
from registries.forms import InspectorFilterForm, ItemFilterForm, TargetFilterForm
from registries.importing import export
from registries.importing.workbook import WorkbookRefused
from registries.models import ChecklistItem, ImportJob, ImportKind, Inspector, Target, User
from registries.services.imports import (
    VALUE_CHOICES,
    import_job_commit,
    import_job_create,
    import_job_map,
    job_errors,
    job_warnings,
    mapping_choices,
    registry_export,
)
from registries.text import CleanTextForm, form_messages

ERRORS_SHOWN = 1000


class ImportForm(CleanTextForm):
    kind = forms.ChoiceField(label=gettext_lazy("导入内容"), choices=ImportKind.choices)
    file = forms.FileField(label=gettext_lazy("文件（Excel .xlsx / .xls，或CSV）"))
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


class MappingForm(CleanTextForm):
    """One choice per unknown column of the file (map it to a column, or ignore it), and one per
    value the registry could not map (a kind or status)."""

    def __init__(self, job: ImportJob, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        choices = [("", _("请选择")), *mapping_choices(job.kind)]
        self.column_fields: list[tuple[str, dict[str, str]]] = []
        for index, column in enumerate(job.unknown_columns):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(label=column["header"], choices=choices, required=False)
            self.column_fields.append((name, column))
        self.value_fields: list[tuple[str, dict[str, Any]]] = []
        for index, value in enumerate(job.unmapped_values):
            scope = value.get("scope", "")
            if scope not in VALUE_CHOICES:
                continue
            name = f"value_{index}"
            self.fields[name] = forms.ChoiceField(
                label=f"{value['column']}：{value['value']}",
                choices=[("", _("请选择")), *VALUE_CHOICES[scope]],
                required=False,
            )
            self.value_fields.append((name, value))

    def headers(self) -> dict[str, str]:
        return {c["key"]: self.cleaned_data[n] for n, c in self.column_fields if self.cleaned_data.get(n)}

    def values(self) -> dict[tuple[str, str], str]:
        return {
            (str(v["scope"]), str(v["value"])): self.cleaned_data[n]
            for n, v in self.value_fields
            if self.cleaned_data.get(n)
        }


def _job_context(user: User, job: ImportJob, form: MappingForm | None = None) -> dict[str, object]:
    errors = job_errors(job)
    warnings = job_warnings(job)
    mine = user.has_perm("registries.commit_import", job)  # its creator, of the job's department
    form = form or MappingForm(job)
    return {
        "job": job,
        "errors": errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
        "warnings": warnings[:ERRORS_SHOWN],
        "warnings_hidden": max(0, len(warnings) - ERRORS_SHOWN),
        "can_commit": job.can_commit and mine,
        "mapping_form": form if mine and job.is_finished and job.dry_run and form.fields else None,
    }


@registry_view
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview; its POST saves what the user said unknown columns and values mean, then previews again."""
    user = _user(request)
    job = get_for_user(user, ImportJob.objects.select_related("department", "created_by"), pk=pk)
    form = None
    if request.method == "POST":
        job = get_for_user(
            user, ImportJob.objects.select_related("department", "created_by"), perm="registries.commit_import", pk=pk
        )
        form = MappingForm(job, request.POST)
        if form.is_valid():
            import_job_map(user=user, job=job, headers=form.headers(), values=form.values())
            return redirect("registries:import_detail", pk=job.pk)
    return render(request, "registries/imports/detail.html", _job_context(user, job, form))


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

# Each export's list: the filter form it shares with the list page, and where a refused filter goes back to.
EXPORT_FILTERS: dict[str, tuple[type[Any], str]] = {
    "targets": (TargetFilterForm, "registries:target_list"),
    "inspectors": (InspectorFilterForm, "registries:inspector_list"),
    "items": (ItemFilterForm, "registries:item_list"),
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
    filters = request.GET.copy()
    filters.pop("page", None)
    if filters:
        # A list's export link carries the list's filters: the file holds what the list shows.
        form_class, list_name = EXPORT_FILTERS[kind]
        form = form_class(filters, user=user)
        if not form.is_valid():
            for message in form_messages(form):
                messages.error(request, message)
            return redirect(f"{reverse(list_name)}?{filters.urlencode()}")
        if kind == ImportKind.TARGETS:
            queryset = selectors.target_list(user=user, **form.filters())
        elif kind == ImportKind.INSPECTORS:
            queryset = selectors.inspector_list(user=user, **form.filters())
        else:
            shown = selectors.item_list(user=user, **form.filters()).values("item_id")
            queryset = queryset.filter(pk__in=shown)
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as tmp:
        path = Path(tmp.name)
    registry_export(actor=user, kind=kind, queryset=queryset, path=path, writer=write)
    name = f"{ImportKind(kind).label}-{timezone.localdate():%Y%m%d}.xlsx"
    handle = path.open("rb")
    path.unlink()  # the open handle keeps the data until the response is sent
    return FileResponse(handle, as_attachment=True, filename=name)  # type: ignore[return-value]
