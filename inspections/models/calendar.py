"""The Chinese working-day calendar: which days are off and which weekend days are worked.

Only the exceptions to "Monday to Friday" are stored: statutory holidays that fall on a
weekday and make-up working days (调休) on a weekend. A year counts as known only when it
has a CalendarYear row; deadlines that reach into an unknown year are provisional.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarSource(models.TextChoices):
    LIBRARY = "library", _("chinesecalendar 库")
    MANUAL = "manual", _("管理员录入")


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    source = models.CharField(_("来源"), max_length=16, choices=CalendarSource.choices)
    note = models.CharField(
        _("依据"), max_length=200, blank=True, help_text=_("如：国务院办公厅关于2027年部分节假日安排的通知")
    )
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    entered_by = models.ForeignKey(
        "registries.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("录入人")
    )

    class Meta:
        verbose_name = _("节假日安排年度")
        verbose_name_plural = _("节假日安排年度")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that differs from the Monday-to-Friday default."""

    date = models.DateField(_("日期"), primary_key=True)
    is_workday = models.BooleanField(_("工作日"))
    name = models.CharField(_("说明"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"
