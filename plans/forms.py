from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit_risk.tables import TEXT_SUFFIXES
from plans.departments import place_of
from plans.importing import PLAN_COLUMNS, ParsedPlan
from plans.models import Task
from registries.importing.headers import IGNORE
from registries.models import Department, Level, Region, TargetKind
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


class PreviewStepForm(CleanTextForm):
    """Which step of the plan import preview a POST is: map the unknown columns, abandon the
    upload, or (no step) resolve the department names and commit."""

    COLUMNS, ABANDON, COMMIT = "columns", "abandon", ""

    step = forms.ChoiceField(
        choices=[(COLUMNS, _("应用列的对应")), (ABANDON, _("放弃本次导入"))],
        required=False,  # the commit button sends no step
        error_messages={"invalid_choice": _("无法识别的操作，请重新提交")},
    )

    @property
    def chosen(self) -> str:
        return str(self.cleaned_data.get("step") or self.COMMIT)


class PlanColumnsForm(CleanTextForm):
    """The user's word on each column of a plan table that maps to nothing (`col_<index>`): a
    plan field, or ignore the column."""

    def __init__(self, data: Any = None, *, parsed: ParsedPlan) -> None:
        super().__init__(data, label_suffix="")
        self.columns = [c for c in parsed.headers if c.unknown and c.header]
        choices = [
            ("", _("— 请选择 —")),
            (IGNORE, _("忽略该列")),
            *((c.field, c.label) for c in PLAN_COLUMNS.columns.values()),
        ]
        for column in self.columns:
            message = _("请为“%(c)s”列选择对应的字段，或选择忽略") % {"c": column.header}
            self.fields[f"col_{column.index}"] = forms.ChoiceField(
                label=column.header,
                choices=choices,
                error_messages={"required": message, "invalid_choice": message},
            )

    def overrides(self) -> dict[str, str]:
        """Normalised header -> plan field or IGNORE, for each unknown column."""
        return {c.key: self.cleaned_data[f"col_{c.index}"] for c in self.columns}


class _RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class DepartmentMappingForm(CleanTextForm):
    """Each department name of an imported plan that matched none: map it (`map_<index>`) to a
    known department, or create it (`new`) at a level (`level_<index>`) and in a region
    (`region_<index>`), offered as the name says (`plans.departments.place_of`) and correctable.
    A level or region left out is the one the name says."""

    NEW = "new"

    def __init__(self, data: Any = None, *, names: list[str], departments: Any, owner: Department) -> None:
        super().__init__(data, label_suffix="")
        self.names = names
        self.places_said = [place_of(name, owner) for name in names]
        known = [
            (str(d.pk), f"{d.name}（{d.short_name}）" if d.short_name else d.name)
            for d in departments.only("pk", "name", "short_name")
        ]
        regions = Region.objects.order_by("code")
        for index, (name, place) in enumerate(zip(names, self.places_said, strict=True)):
            mapped = _("请为“%(n)s”选择对应的部门或新建部门") % {"n": name}
            level = _("请为“%(n)s”选择新建时的层级") % {"n": name}
            region = _("请为“%(n)s”选择新建时的区域") % {"n": name}
            self.fields[f"map_{index}"] = forms.ChoiceField(
                label=name,
                choices=[("", _("— 请选择 —")), (self.NEW, _("新建部门“%(name)s”") % {"name": name}), *known],
                error_messages={"required": mapped, "invalid_choice": mapped},
            )
            self.fields[f"level_{index}"] = forms.ChoiceField(
                label=_("新建时的层级"),
                choices=Level.choices,
                required=False,
                initial=place.level,
                error_messages={"invalid_choice": level},
            )
            self.fields[f"region_{index}"] = _RegionChoiceField(
                label=_("新建时的区域"),
                queryset=regions,
                required=False,
                empty_label=None,
                initial=place.region.pk,
                error_messages={"invalid_choice": region},
            )

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField, forms.BoundField]]:
        """(name, its mapping, level and region fields) for each name, for the template."""
        return [(name, self[f"map_{i}"], self[f"level_{i}"], self[f"region_{i}"]) for i, name in enumerate(self.names)]

    def mapping(self) -> dict[str, int]:
        """Name -> department id, for the names mapped to a known department."""
        chosen = (self.cleaned_data[f"map_{i}"] for i in range(len(self.names)))
        return {name: int(choice) for name, choice in zip(self.names, chosen, strict=True) if choice != self.NEW}

    def create(self) -> list[str]:
        """The names to create as new departments."""
        return [name for i, name in enumerate(self.names) if self.cleaned_data[f"map_{i}"] == self.NEW]

    def places(self) -> dict[str, tuple[str, int]]:
        """Name -> (level, region id) of each department to create, as chosen (or as its name says)."""
        places: dict[str, tuple[str, int]] = {}
        for i, (name, said) in enumerate(zip(self.names, self.places_said, strict=True)):
            if self.cleaned_data[f"map_{i}"] != self.NEW:
                continue
            region = self.cleaned_data[f"region_{i}"] or said.region
            places[name] = (self.cleaned_data[f"level_{i}"] or said.level, region.pk)
        return places


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
