"""The forms of inspections: every POST is read here, converted and checked; services get types.

Text fields are cleaned of control characters (`registries.text`); rules that need the
database (a category in force, the team, the deadline) stay in the services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inspections.calendar_parsing import parse_day_lines
from inspections.errors import InspectionError
from inspections.models import FollowUpStatus, StepKind
from inspections.services.followups import NOTE_MAX
from inspections.services.results import FINDINGS_MAX, Entry
from registries.models import Department
from registries.text import CleanTextForm

ISO_DATE = ["%Y-%m-%d"]
CATEGORY_PREFIX = "cat-"


class ResultEntryForm(CleanTextForm):
    """The result entry (and a correction's proposal): `completed_on`, `findings`, and one
    multi-valued `cat-<task>-<item>` per slot holding category ids. Which slots and categories
    are allowed is the service's rule; this form only converts."""

    completed_on = forms.DateField(
        label=_("检查完成日期"),
        required=False,
        input_formats=ISO_DATE,
        error_messages={"invalid": _("检查完成日期应为 年-月-日")},
    )
    findings = forms.CharField(
        label=_("检查情况"),
        required=False,
        strip=False,  # a draft keeps what was typed; the result is stripped when written
        max_length=FINDINGS_MAX,
        error_messages={"max_length": _("“检查情况”最多 %(limit_value)d 字")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        items: dict[str, list[int]] = {}
        for key in self.data:
            if not key.startswith(CATEGORY_PREFIX):
                continue
            if hasattr(self.data, "getlist"):
                values = self.data.getlist(key)
            else:
                raw = self.data[key]
                values = list(raw) if isinstance(raw, list | tuple) else [raw]
            ids: set[int] = set()
            for value in values:
                text = str(value).strip()
                if not (text.isascii() and text.isdigit()):
                    raise forms.ValidationError(_("检查结果类别无效"), code="category")
                ids.add(int(text))
            items[key.removeprefix(CATEGORY_PREFIX)] = sorted(ids)
        cleaned["items"] = items
        return cleaned

    def entry(self) -> Entry:
        """The checked entry; call after `is_valid()`."""
        data = self.cleaned_data
        return Entry(data.get("completed_on"), data.get("findings") or "", data.get("items") or {})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (`<input type="file" multiple>`): a list, empty when none.
    What a file may be (a photo, a PDF, its size) is the evidence service's rule."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(one, initial) for one in files]


EVIDENCE_FILE_ERRORS = {
    "required": _("请选择要上传的照片或文书"),
    "empty": _("所选文件是空的，请重新选择"),
    "invalid": _("所选文件无法读取，请重新选择"),
}


class ResultSubmitForm(ResultEntryForm):
    """The entry as submitted, with the photos and documents chosen in it but not yet uploaded."""

    evidence = MultipleFileField(label=_("照片与文书"), required=False, error_messages=EVIDENCE_FILE_ERRORS)


class EvidenceUploadForm(CleanTextForm):
    evidence = MultipleFileField(label=_("照片与文书"), error_messages=EVIDENCE_FILE_ERRORS)


class CorrectionRequestForm(ResultEntryForm):
    reason = forms.CharField(label=_("更正理由"), max_length=2000, error_messages={"required": _("请填写更正理由")})


class CorrectionDecisionForm(CleanTextForm):
    decision = forms.ChoiceField(
        label=_("审批"),
        choices=[("approve", _("批准更正")), ("reject", _("驳回"))],
        error_messages={"required": _("请选择批准或驳回"), "invalid_choice": _("请选择批准或驳回")},
    )
    note = forms.CharField(label=_("审批意见"), required=False, max_length=2000)

    @property
    def approve(self) -> bool:
        return bool(self.cleaned_data["decision"] == "approve")


class VisitDoneForm(CleanTextForm):
    visited_on = forms.DateField(
        label=_("检查日期"),
        input_formats=ISO_DATE,
        error_messages={"required": _("请填写检查日期（年-月-日）"), "invalid": _("请填写检查日期（年-月-日）")},
    )
    next = forms.CharField(required=False)  # "detail": back to the visit, otherwise to my visits


class FollowUpStepForm(CleanTextForm):
    kind = forms.ChoiceField(
        label=_("处理方式"),
        choices=StepKind.choices,
        error_messages={"required": _("请选择处理方式"), "invalid_choice": _("请选择处理方式")},
    )
    done_on = forms.DateField(
        label=_("日期"),
        input_formats=ISO_DATE,
        error_messages={"required": _("日期格式应为 年-月-日"), "invalid": _("日期格式应为 年-月-日")},
    )
    due_on = forms.DateField(
        label=_("办理期限"),
        required=False,
        input_formats=ISO_DATE,
        error_messages={"invalid": _("日期格式应为 年-月-日")},
    )
    to_department = forms.ModelChoiceField(
        label=_("移送部门"),
        queryset=Department.objects.all(),
        required=False,
        error_messages={"invalid_choice": _("请选择或填写移送的部门")},
    )
    to_body = forms.CharField(
        label=_("接收机关"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("接收机关名称最多 200 字")},
    )
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=NOTE_MAX,
        error_messages={"max_length": _("说明最多 %(limit_value)d 字")},
    )


class CalendarYearForm(CleanTextForm):
    """The system administrator's entry of a year the State Council has published."""

    year = forms.IntegerField(label=_("年份"), error_messages={"required": _("请填写年份"), "invalid": _("请填写年份")})
    holidays = forms.CharField(label=_("放假日期"), strip=False, error_messages={"required": _("请填写放假日期")})
    makeup = forms.CharField(label=_("调休上班日期"), required=False, strip=False)
    note = forms.CharField(
        label=_("依据"), max_length=200, error_messages={"required": _("请填写依据（通知文号或标题）")}
    )

    def __init__(self, *args: Any, today: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["year"].initial = self.today.year + 1

    def clean_year(self) -> int:
        year: int = self.cleaned_data["year"]
        if not 2000 <= year <= self.today.year + 2:
            raise forms.ValidationError(
                _("年份应在 2000 至 %(last)d 之间") % {"last": self.today.year + 2}, code="range"
            )
        return year

    def _days(self, name: str) -> dict[dt.date, str]:
        year = self.cleaned_data.get("year")
        if year is None:
            return {}
        try:
            days = parse_day_lines(self.cleaned_data.get(name) or "", year)
        except InspectionError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return days

    def clean_holidays(self) -> dict[dt.date, str]:
        days = self._days("holidays")
        if not days and self.cleaned_data.get("year") is not None:
            raise forms.ValidationError(_("请填写放假日期"), code="required")
        return days

    def clean_makeup(self) -> dict[dt.date, str]:
        return self._days("makeup")


OUT_OF_WINDOW_REASON_LABEL = _("检查期外抽取理由")


class DrawOpenForm(CleanTextForm):
    """Opening a round: a reason is required (by the service) only outside the task's window."""

    out_of_window_reason = forms.CharField(label=OUT_OF_WINDOW_REASON_LABEL, required=False, max_length=2000)


class DrawStartForm(CleanTextForm):
    """A witness's entropy, mixed into the draw's seed (optional); the reason outside the window."""

    entropy = forms.CharField(label=_("见证人随机输入"), required=False, max_length=200)
    witness = forms.BooleanField(required=False)
    out_of_window_reason = forms.CharField(label=OUT_OF_WINDOW_REASON_LABEL, required=False, max_length=2000)


class RedrawForm(CleanTextForm):
    reason = forms.CharField(label=_("重新抽取理由"), required=False, max_length=2000)


class FollowUpFilterForm(CleanTextForm):
    """The ledger's query string: a status (open by default, blank for all), overdue only, a search."""

    status = forms.ChoiceField(choices=[("", ""), *FollowUpStatus.choices], required=False)
    overdue = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=200)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {"status": FollowUpStatus.OPEN, "overdue": False, "q": ""}
        status = self.cleaned_data["status"] if "status" in self.data else FollowUpStatus.OPEN
        return {"status": status, "overdue": self.cleaned_data["overdue"], "q": self.cleaned_data["q"]}
