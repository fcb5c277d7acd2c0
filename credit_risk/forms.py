from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from credit_risk.allocation import ALL_TIERS
from credit_risk.models import Tier, TierPolicy
from credit_risk.tables import TABLE_SUFFIXES
from registries.text import CleanTextForm


class TierSetForm(CleanTextForm):
    tier = forms.ChoiceField(label=_("信用风险分类"), choices=Tier.choices)
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ObservationForm(CleanTextForm):
    starts_on = forms.DateField(label=_("观察期开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("观察期结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("理由（新业态类型等）"), widget=forms.Textarea(attrs={"rows": 2}))


class TierImportForm(CleanTextForm):
    file = forms.FileField(label=_("分类结果（.xlsx 或 .tsv：统一社会信用代码、信用风险分类）"))
    assessed_on = forms.DateField(label=_("分类日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_file(self) -> UploadedFile:
        """Refuse a file too large or of another type before it is stored or read."""
        upload: UploadedFile = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in TABLE_SUFFIXES:
            raise forms.ValidationError(_("只接受 .xlsx、.tsv 或 .csv 文件"))
        limit = settings.TIER_IMPORT_MAX_UPLOAD_BYTES
        size = upload.size or 0
        if size > limit:
            raise forms.ValidationError(
                _("文件过大（%(size)s），上限为 %(limit)s，请拆分后分批导入")
                % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
            )
        return upload


class PolicyForm(CleanTextForm):
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    warning_percent = forms.DecimalField(label=_("预警模型默认比例（%）"), min_value=0, max_value=100, decimal_places=2)

    def __init__(self, *args: Any, policy: TierPolicy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["description"].initial = policy.description
        self.fields["warning_percent"].initial = policy.warning_percent
        spec = policy.as_spec()
        labels = dict(Tier.choices)
        for tier in ALL_TIERS:
            rule = spec.rule(tier)
            for key, label, value in (
                ("weight", _("倍数"), rule.weight),
                ("min", _("下限%"), rule.min_percent),
                ("max", _("上限%"), rule.max_percent),
            ):
                self.fields[f"{tier}_{key}"] = forms.DecimalField(
                    label=f"{labels[tier]} {label}", min_value=0, max_value=100, decimal_places=3, initial=value
                )

    def rules(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        return {
            t: {"weight": str(data[f"{t}_weight"]), "min": str(data[f"{t}_min"]), "max": str(data[f"{t}_max"])}
            for t in ALL_TIERS
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for tier in ALL_TIERS:
            low: Decimal | None = data.get(f"{tier}_min")
            high: Decimal | None = data.get(f"{tier}_max")
            if low is not None and high is not None and low > high:
                self.add_error(f"{tier}_max", _("上限不能小于下限"))
        return data
