"""The forms of the dashboard and the public site: query strings and POSTs are read here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registries.models import Department
from registries.text import CleanTextForm

FIRST_YEAR = 2000
SEARCH_MAX = 100


def _percent(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        error_messages={
            "required": _("请填写有效的年度和目标比例"),
            "invalid": _("请填写有效的年度和目标比例"),
            "min_value": _("目标比例应在 0–100 之间"),
            "max_value": _("目标比例应在 0–100 之间"),
            "max_digits": _("目标比例应在 0–100 之间"),
            "max_decimal_places": _("目标比例最多保留两位小数"),
        },
    )


class YearGoalsForm(CleanTextForm):
    """The office's goals of a year: enterprise coverage and credit-tier use, in percent."""

    year = forms.IntegerField(
        label=_("年度"),
        error_messages={"required": _("请填写有效的年度和目标比例"), "invalid": _("请填写有效的年度和目标比例")},
    )
    coverage_percent = _percent(_("企业抽查覆盖率目标（%）"))
    tier_use_percent = _percent(_("信用风险分类应用率目标（%）"))

    def __init__(self, *args: Any, today: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean_year(self) -> int:
        year: int = self.cleaned_data["year"]
        if not FIRST_YEAR <= year <= self.today.year + 1:
            raise forms.ValidationError(
                _("年度应在 %(first)d 至 %(last)d 之间") % {"first": FIRST_YEAR, "last": self.today.year + 1}
            )
        return year


class DashboardScopeForm(forms.Form):
    """The dashboard's query string: the year (clamped to the years it covers; this year when
    missing or unreadable) and, for the office, a department."""

    year = forms.IntegerField(required=False)
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False)

    def __init__(self, data: Any, *, today: dt.date | None = None) -> None:
        super().__init__(data)
        self.today = today or timezone.localdate()

    def year_asked(self) -> int:
        year = self.cleaned_data.get("year") if self.is_valid() else None
        if year is None:
            year = self.today.year
        return int(min(max(year, FIRST_YEAR), self.today.year + 1))

    def department_asked(self) -> Department | None:
        department: Department | None = self.cleaned_data.get("department")
        return department


class PublicSearchForm(CleanTextForm):
    """A search box of the public site: at most 100 characters are searched."""

    q = forms.CharField(required=False)

    def query(self) -> str:
        if not self.is_valid():
            return ""
        return str(self.cleaned_data["q"])[:SEARCH_MAX]
