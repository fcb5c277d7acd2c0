"""What the public sees of results (一公开), the alarms when publication fails, the office's goals
and the fairness checks of finished draws.

A `PublishedResult` is a copy of the public fields of one visit's current result for one
task: what the national enterprise credit publicity system shows per entity (plan and task,
type, inspecting authority, completion date, items, result). It holds no tier, no
inspector, and not the findings text (free text written on site can name the entity's staff,
customers or patients: personal data that must not be published unreviewed).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inspections.models import DrawRound, Result, Visit
from plans.models import Task
from registries.models import Target


class PublishedResult(models.Model):
    visit = models.ForeignKey(Visit, models.PROTECT, related_name="publications")
    task = models.ForeignKey(Task, models.PROTECT, related_name="publications")
    # The version published: a correction republishes the row with the new version.
    result = models.ForeignKey(Result, models.PROTECT, related_name="publications")
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    target = models.ForeignKey(Target, models.PROTECT, related_name="publications", db_constraint=False)
    target_name = models.CharField(_("检查对象"), max_length=200)
    # Every character and every pair of neighbouring characters of the name, lower-cased, kept
    # by PostgreSQL (function ssj_grams, migration 0003): a GIN index finds one- and
    # two-character Chinese words, which a trigram index cannot (publicity/search.py).
    name_grams = models.GeneratedField(
        expression=Func(F("target_name"), function="ssj_grams"),
        output_field=ArrayField(models.TextField()),
        db_persist=True,
    )
    target_code = models.CharField(_("统一社会信用代码（对象编号）"), max_length=64)
    plan_year = models.PositiveIntegerField(_("年度"))
    plan_title = models.CharField(_("抽查计划"), max_length=200)
    task_number = models.PositiveIntegerField(_("任务序号"))
    task_name = models.CharField(_("抽查任务"), max_length=300)
    task_type = models.CharField(_("任务类型"), max_length=20)
    authority = models.CharField(_("检查机关"), max_length=500)
    completed_on = models.DateField(_("检查完成日期"))
    # [{"item": "<item name>", "categories": ["<category>", ...]}, ...]
    items = models.JSONField(_("检查事项及结果"), default=list)
    result_text = models.CharField(_("检查结果"), max_length=1000)
    problem_found = models.BooleanField(_("发现问题"), default=False)
    published_at = models.DateTimeField(_("公示时间"), default=timezone.now)

    class Meta:
        verbose_name = _("公示的检查结果")
        verbose_name_plural = _("公示的检查结果")
        ordering = ["-completed_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["visit", "task"], name="published_result_once")]
        indexes = [
            models.Index(fields=["target_code"], name="published_result_code"),
            models.Index(fields=["plan_year", "completed_on"], name="published_result_year"),
            # The public list's order (newest first), for its first and its deep pages.
            models.Index(F("completed_on").desc(), F("id").desc(), name="published_result_newest"),
            GinIndex(fields=["name_grams"], name="published_result_grams"),
        ]

    def __str__(self) -> str:
        return f"{self.target_name} · {self.task_name}"

    @property
    def corrected(self) -> bool:
        return self.version > 1


class IssueKind(models.TextChoices):
    FAILED = "failed", _("公示失败")
    MISSING = "missing", _("已录入未公示")


class PublicationIssue(models.Model):
    """A result that was entered but not (yet) published: an alarm until it is."""

    result = models.ForeignKey(Result, models.PROTECT, related_name="publication_issues")
    kind = models.CharField(_("类型"), max_length=16, choices=IssueKind.choices)
    error = models.TextField(_("错误"), blank=True)
    detected_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    resolved_at = models.DateTimeField(_("补公示时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示异常")
        verbose_name_plural = _("公示异常")
        ordering = ["-detected_at"]
        constraints = [models.UniqueConstraint(fields=["result", "kind"], name="publication_issue_once")]

    def __str__(self) -> str:
        return f"{self.result} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


def _percent_field(label: Any, default: int) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )


class YearGoals(models.Model):
    """The goals the leading-group office sets for a year (defaults: the rules in force)."""

    year = models.PositiveIntegerField(_("年度"), unique=True)
    coverage_percent = _percent_field(_("企业抽查覆盖率目标（%）"), 3)
    tier_use_percent = _percent_field(_("信用风险分类应用率目标（%）"), 60)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("年度工作目标")
        verbose_name_plural = _("年度工作目标")

    def __str__(self) -> str:
        return str(self.year)


class Dimension(models.TextChoices):
    REGION = "region", _("区域")
    INDUSTRY = "industry", _("行业")


class FairnessCheck(models.Model):
    """A chi-square test of one finished round, within one tier, along one dimension:
    do the drawn objects spread over regions (or industries) as the population does?"""

    round = models.ForeignKey(DrawRound, models.CASCADE, related_name="fairness_checks")
    tier = models.CharField(_("信用风险分类"), max_length=8)
    dimension = models.CharField(_("维度"), max_length=16, choices=Dimension.choices)
    population = models.PositiveIntegerField(_("对象数"))
    drawn = models.PositiveIntegerField(_("抽中数"))
    # Cells after pooling the small ones: [[label, population, drawn, expected], ...]
    cells = models.JSONField(default=list)
    statistic = models.FloatField(_("卡方值"), null=True, blank=True)
    dof = models.PositiveIntegerField(_("自由度"), default=0)
    p_value = models.FloatField(_("p 值"), null=True, blank=True)
    flagged = models.BooleanField(_("存在偏向"), default=False)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("抽取公平性检验")
        verbose_name_plural = _("抽取公平性检验")
        ordering = ["round", "tier", "dimension"]
        constraints = [
            models.UniqueConstraint(fields=["round", "tier", "dimension"], name="fairness_check_once"),
            models.CheckConstraint(condition=Q(drawn__lte=models.F("population")), name="fairness_drawn_le_pop"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.tier} {self.dimension}"


class DashboardSnapshot(models.Model):
    """The figures of one year (the whole area, or one department) as last computed.

    Computing them takes seconds on a registry of a million targets (benchmarks/dashboard.py),
    so the page reads the snapshot that beat refreshes every few minutes; drill-downs are live.
    """

    year = models.PositiveIntegerField(_("年度"))
    department = models.ForeignKey(
        "registries.Department", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("部门")
    )
    computed_on = models.DateField(_("统计日期"))
    computed_at = models.DateTimeField(_("统计时间"), default=timezone.now)
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("统计快照")
        verbose_name_plural = _("统计快照")
        constraints = [
            models.UniqueConstraint(fields=["year", "department"], name="dashboard_snapshot_once"),
            models.UniqueConstraint(
                fields=["year"], condition=Q(department__isnull=True), name="dashboard_snapshot_once_all"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.department_id or '-'}"
