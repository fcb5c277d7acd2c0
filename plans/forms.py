from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit_risk.tables import TEXT_SUFFIXES
from plans.models import Task
from registries.models import TargetKind
from registries.text import CleanTextForm, CleanTextMixin

PLAN_SUFFIXES = {".xlsx", ".xls", *TEXT_SUFFIXES}
SCAN_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png"}


def _check_suffix(upload: Any, allowed: set[str], message: Any) -> Any:
    name = str(getattr(upload, "name", "")).lower()
    if not any(name.endswith(s) for s in allowed):
        raise forms.ValidationError(message)
    if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise forms.ValidationError(_("文件过大"))
    return upload


class PlanUploadForm(CleanTextForm):
    file = forms.FileField(label=_("计划表（.xlsx 或 .tsv）"))
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year

    def clean_file(self) -> Any:
        return _check_suffix(self.cleaned_data["file"], PLAN_SUFFIXES, _("只接受 .xlsx、.xls、.tsv 或 .csv 文件"))


class AdjustmentForm(CleanTextForm):
    reason = forms.CharField(label=_("调整理由"), widget=forms.Textarea(attrs={"rows": 3}))
    scan = forms.FileField(label=_("加盖公章的调整函扫描件（PDF 或图片）"))
    revised_table = forms.FileField(label=_("调整后的计划表（.xlsx 或 .tsv）"))

    def clean_scan(self) -> Any:
        return _check_suffix(self.cleaned_data["scan"], SCAN_SUFFIXES, _("扫描件只接受 PDF、JPG 或 PNG"))

    def clean_revised_table(self) -> Any:
        return _check_suffix(
            self.cleaned_data["revised_table"], PLAN_SUFFIXES, _("只接受 .xlsx、.xls、.tsv 或 .csv 文件")
        )


class DecisionForm(CleanTextForm):
    """The leading-group office files (备案) an adjustment or returns it."""

    FILE, RETURN = "file", "return"

    note = forms.CharField(label=_("备案意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    action = forms.ChoiceField(
        choices=[(FILE, _("备案")), (RETURN, _("退回"))],
        required=False,  # the default button files
        error_messages={"invalid_choice": _("请选择备案或退回")},
    )

    @property
    def returns(self) -> bool:
        return bool(self.cleaned_data.get("action") == self.RETURN)


class DepartmentMappingForm(CleanTextForm):
    """Each department name of an imported plan that matched none: map it (`map_<index>`) to a
    known department, or create it (`new`)."""

    NEW = "new"

    def __init__(self, data: Any = None, *, names: list[str], departments: Any) -> None:
        super().__init__(data)
        self.names = names
        choices = [(self.NEW, _("新建部门")), *((str(pk), name) for pk, name in departments.values_list("pk", "name"))]
        for index, name in enumerate(names):
            self.fields[f"map_{index}"] = forms.ChoiceField(
                label=name,
                choices=choices,
                error_messages={
                    "required": _("请为“%(n)s”选择对应的部门或新建部门") % {"n": name},
                    "invalid_choice": _("请为“%(n)s”选择对应的部门或新建部门") % {"n": name},
                },
            )

    def mapping(self) -> dict[str, int]:
        """Name -> department id, for the names mapped to a known department."""
        chosen = (self.cleaned_data[f"map_{i}"] for i in range(len(self.names)))
        return {name: int(choice) for name, choice in zip(self.names, chosen, strict=True) if choice != self.NEW}

    def create(self) -> list[str]:
        """The names to create as new departments."""
        return [name for i, name in enumerate(self.names) if self.cleaned_data[f"map_{i}"] == self.NEW]


class TaskScopeForm(CleanTextMixin, forms.ModelForm):
    """The internal settings of a task: its scope as a saved query, the tier policy, the linked items."""

    scope_kinds = forms.MultipleChoiceField(
        label=_("对象类型"), choices=TargetKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Task
        fields = ("scope_kinds", "scope_tags", "scope_region", "scope_warning", "uses_tiers", "policy", "items")
        widgets = {
            "scope_tags": forms.SelectMultiple(attrs={"size": 6}),
            "items": forms.SelectMultiple(attrs={"size": 6}),
        }
