"""Visits (进一次门，查多项事): one trip to one target for every task that drew it in overlapping periods.

A `Visit` covers one or more drawn rows (`VisitCoverage`, each drawn row in exactly one
visit); its items and its team are the union of those rows' task items and teams. Result
entry (helper H) attaches to the visit: `Visit.complete` is the one state change here.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inspections.models.draws import DrawnTarget
from registries.models import Target


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("待检查")
    DONE = "done", _("已检查，待录入")
    ENTERED = "entered", _("已录入")


class Visit(models.Model):
    # No database constraint (checked row by row at COMMIT, tens of thousands per round): a
    # visit's target is the target of the drawn rows it covers, whose constraint holds.
    target = models.ForeignKey(
        Target, models.PROTECT, related_name="visits", db_constraint=False, verbose_name=_("检查对象")
    )
    # The window every covered task allows: the intersection of their periods.
    period_start = models.DateField(_("最早检查日期"))
    period_end = models.DateField(_("最晚检查日期"))
    status = models.CharField(_("状态"), max_length=16, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    visited_on = models.DateField(_("检查日期"), null=True, blank=True)
    # 20 working days after `visited_on` (that day not counted). Provisional while the count
    # runs through a year whose holiday schedule nobody has entered; recomputed when it is.
    entry_deadline = models.DateField(_("结果录入期限"), null=True, blank=True)
    deadline_provisional = models.BooleanField(_("期限为暂定"), default=False, db_default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("检查（进一次门）")
        verbose_name_plural = _("检查（进一次门）")
        ordering = ["period_end", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_start__lte=models.F("period_end")), name="visit_period_ordered"),
            models.CheckConstraint(
                condition=Q(status="planned") | Q(visited_on__isnull=False), name="visit_done_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"

    @property
    def is_done(self) -> bool:
        """The visit took place (its result may still be awaited)."""
        return self.status in (VisitStatus.DONE, VisitStatus.ENTERED)

    @property
    def is_entered(self) -> bool:
        return self.status == VisitStatus.ENTERED

    def is_window_missed(self, today: dt.date | None = None) -> bool:
        """Not visited and the last day of its inspection window has passed (检查期已过)."""
        return self.status == VisitStatus.PLANNED and self.period_end < (today or timezone.localdate())

    @property
    def window_missed(self) -> bool:
        return self.is_window_missed()

    @property
    def status_label(self) -> str:
        """The status as lists show it: 检查期已过 instead of 待检查 once the window has passed."""
        if self.window_missed:
            return str(_("检查期已过"))
        return str(self.get_status_display())

    @property
    def status_badge(self) -> str:
        """The badge class of `status_label`."""
        if self.window_missed:
            return "bad"
        return "good" if self.status == VisitStatus.ENTERED else ""

    def working_days_left(self, today: dt.date | None = None) -> int | None:
        """Working days until the entry deadline (negative: late), None before the visit or once entered."""
        from inspections.workdays import working_days_between

        if self.entry_deadline is None or self.is_entered:
            return None
        return working_days_between(today or timezone.localdate(), self.entry_deadline)

    def is_entry_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(self.status == VisitStatus.DONE and self.entry_deadline and today > self.entry_deadline)

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        return self.period_start <= end and start <= self.period_end


class VisitCoverage(models.Model):
    visit = models.ForeignKey(Visit, models.CASCADE, related_name="coverage")
    # No database constraint: see inspections.models.draws (drawn rows are permanent).
    drawn = models.OneToOneField(DrawnTarget, models.PROTECT, related_name="coverage", db_constraint=False)

    class Meta:
        verbose_name = _("检查覆盖的抽中对象")
        verbose_name_plural = _("检查覆盖的抽中对象")

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.drawn_id}"
