"""Follow-up (后续处理): every finding becomes a ledger entry (台账) tracked until it is closed.

An entry is opened for each item result with a problem. Its steps are appended, dated and
signed, never rewritten (a trigger refuses changes on PostgreSQL); the entry's status and
next due date are kept on the entry so the overdue list is one indexed query.
"""

from __future__ import annotations

import datetime as dt

import pgtrigger
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inspections.models.results import ItemResult
from inspections.models.visits import Visit
from plans.models import Task
from registries.models import Department, Target, User


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("处理中")
    CLOSED = "closed", _("已办结")


class StepKind(models.TextChoices):
    RECTIFY = "rectify", _("责令限期整改")
    RECTIFIED = "rectified", _("已整改到位")
    CASE = "case", _("立案查处")
    TRANSFER = "transfer", _("抄告、移送其他部门")
    JUDICIARY = "judiciary", _("涉嫌犯罪移送司法机关")
    DISCIPLINE = "discipline", _("移送纪检监察机关")
    NOTE = "note", _("处理进展")
    CLOSE = "close", _("办结")


# Steps that hand the matter on and need the receiving body named.
TRANSFER_KINDS = frozenset({StepKind.TRANSFER, StepKind.JUDICIARY, StepKind.DISCIPLINE})
# Steps with a date by which something must happen.
DUE_KINDS = frozenset({StepKind.RECTIFY, StepKind.CASE})


class FollowUp(models.Model):
    item_result = models.OneToOneField(ItemResult, models.PROTECT, related_name="follow_up")
    visit = models.ForeignKey(Visit, models.PROTECT, related_name="follow_ups")
    target = models.ForeignKey(Target, models.PROTECT, related_name="follow_ups", verbose_name=_("检查对象"))
    task = models.ForeignKey(Task, models.PROTECT, related_name="follow_ups", verbose_name=_("抽查任务"))
    # The department that follows the finding up: the one whose item it is.
    department = models.ForeignKey(Department, models.PROTECT, related_name="follow_ups", verbose_name=_("承办部门"))
    status = models.CharField(_("状态"), max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    # The date the latest step asks for (None: nothing due); overdue when it has passed while open.
    due_on = models.DateField(_("办理期限"), null=True, blank=True)
    outcome = models.CharField(_("处理结果"), max_length=200, blank=True)
    opened_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后续处理台账")
        verbose_name_plural = _("后续处理台账")
        ordering = ["status", "due_on", "id"]
        indexes = [models.Index(fields=["department", "status", "due_on"], name="follow_up_watch")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
                name="follow_up_closed_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.target} · {self.task}"

    @property
    def is_open(self) -> bool:
        return self.status == FollowUpStatus.OPEN

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(self.is_open and self.due_on and today > self.due_on)


class FollowUpStep(models.Model):
    follow_up = models.ForeignKey(FollowUp, models.PROTECT, related_name="steps")
    kind = models.CharField(_("处理方式"), max_length=16, choices=StepKind.choices)
    done_on = models.DateField(_("日期"))
    due_on = models.DateField(_("期限"), null=True, blank=True)
    to_body = models.CharField(_("移送至"), max_length=200, blank=True)
    to_department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("移送部门")
    )
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("经办人"))
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("后续处理步骤")
        verbose_name_plural = _("后续处理步骤")
        ordering = ["follow_up", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["rectify", "case"]) | Q(due_on__isnull=False), name="step_due_kinds_have_due"
            ),
            models.CheckConstraint(
                condition=Q(due_on__isnull=True) | Q(due_on__gte=models.F("done_on")), name="step_due_after_done"
            ),
        ]
        triggers = [pgtrigger.Protect(name="follow_up_step_is_final", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.done_on:%Y-%m-%d}"
