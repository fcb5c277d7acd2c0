"""Credit-risk tiers per target (internal only), industry risk classes, risk warnings, tier policies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit_risk.allocation import ALL_TIERS, ORDERED_TIERS, PolicySpec, TierRule
from registries.models import Tag, Target, User


class Tier(models.TextChoices):
    A = "A", _("A 低风险")
    B = "B", _("B 一般风险")
    C = "C", _("C 较高风险")
    D = "D", _("D 高风险")
    NONE = "none", _("未分类")


class TierSource(models.TextChoices):
    IMPORT = "import", _("分类结果导入")
    MANUAL = "manual", _("人工设定")


class TierAssessment(models.Model):
    """One assessment of one target: the history is every row; the current one is mirrored in CurrentTier."""

    target = models.ForeignKey(Target, models.CASCADE, related_name="tier_assessments", verbose_name=_("检查对象"))
    tier = models.CharField(_("信用风险分类"), max_length=8, choices=Tier.choices)
    source = models.CharField(_("来源"), max_length=16, choices=TierSource.choices)
    source_detail = models.CharField(_("来源说明"), max_length=255, blank=True)
    assessed_on = models.DateField(_("分类日期"))
    reason = models.TextField(_("理由"), blank=True)
    created_by = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("信用风险分类记录")
        verbose_name_plural = _("信用风险分类记录")
        ordering = ["-assessed_on", "-created_at", "-id"]
        indexes = [models.Index(fields=["target", "-assessed_on", "-created_at"], name="tier_assessment_latest")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=TierSource.MANUAL) | ~Q(reason=""), name="tier_manual_needs_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.tier} {self.assessed_on}"


class CurrentTier(models.Model):
    """The current tier of a target (latest assessment), one row per assessed target, for fast counts."""

    target = models.OneToOneField(
        Target, models.CASCADE, primary_key=True, related_name="current_tier", verbose_name=_("检查对象")
    )
    tier = models.CharField(_("信用风险分类"), max_length=8, choices=Tier.choices, db_index=True)
    assessment = models.ForeignKey(TierAssessment, models.CASCADE, related_name="+")
    assessed_on = models.DateField(_("分类日期"))

    class Meta:
        verbose_name = _("当前信用风险分类")
        verbose_name_plural = _("当前信用风险分类")

    def __str__(self) -> str:
        return f"{self.target_id}: {self.tier}"


OBSERVATION_TIERS = frozenset({Tier.A, Tier.B})


class ObservationPeriod(models.Model):
    """An observation period (观察期): a low or general-risk target of a new business form is not
    drawn for random checks between `starts_on` and `ends_on` (both included). Ended early by
    setting `ends_on`; the rows are the history."""

    target = models.ForeignKey(Target, models.CASCADE, related_name="observation_periods", verbose_name=_("检查对象"))
    starts_on = models.DateField(_("观察期开始日期"))
    ends_on = models.DateField(_("观察期结束日期"))
    reason = models.TextField(_("理由"))
    # The tier when it was set: only A and B targets get one.
    tier = models.CharField(_("设定时的信用风险分类"), max_length=8, choices=Tier.choices)
    created_by = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("观察期")
        verbose_name_plural = _("观察期")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["ends_on", "starts_on"], name="observation_period_dates")]
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__lte=models.F("ends_on")), name="observation_period_ordered"),
            models.CheckConstraint(condition=Q(tier__in=["A", "B"]), name="observation_period_low_risk"),
            models.CheckConstraint(condition=~Q(reason=""), name="observation_period_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d}"

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on


class RiskClass(models.TextChoices):
    LOW = "low", _("低风险")
    GENERAL = "general", _("一般风险")
    RELATIVELY_HIGH = "relatively_high", _("较高风险")
    HIGH = "high", _("高风险")


class IndustryRiskClass(models.Model):
    """The industry's own risk classification of one object category (行业监管风险分类)."""

    category = models.OneToOneField(Tag, models.CASCADE, related_name="risk_class", verbose_name=_("对象类别"))
    risk_class = models.CharField(_("行业风险等级"), max_length=20, choices=RiskClass.choices)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("行业风险分类")
        verbose_name_plural = _("行业风险分类")

    def __str__(self) -> str:
        return f"{self.category}: {self.get_risk_class_display()}"


class WarningKind(models.TextChoices):
    SAME_ADDRESS = "same_address", _("一址多照")
    ZERO_ANNUAL_REPORT = "zero_report", _("年报全0申报")
    RELATED = "related", _("关联企业")
    ABNORMAL = "abnormal", _("经营异常名录")
    SERIOUS_VIOLATION = "serious", _("严重违法失信名单")


COMPUTED_WARNINGS = frozenset({WarningKind.SAME_ADDRESS})


class RiskWarning(models.Model):
    """Membership of a target in a risk-warning population; removed_on closes it, history stays."""

    target = models.ForeignKey(Target, models.CASCADE, related_name="risk_warnings", verbose_name=_("检查对象"))
    kind = models.CharField(_("预警类型"), max_length=20, choices=WarningKind.choices)
    listed_on = models.DateField(_("列入日期"), default=timezone.localdate)
    removed_on = models.DateField(_("移出日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=255, blank=True)
    detail = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("风险预警")
        verbose_name_plural = _("风险预警")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "kind"], condition=Q(removed_on__isnull=True), name="risk_warning_one_open"
            ),
        ]
        indexes = [models.Index(fields=["kind", "removed_on"], name="risk_warning_kind_open")]

    def __str__(self) -> str:
        return f"{self.target} {self.get_kind_display()}"


def _default_rules() -> dict[str, dict[str, str]]:
    return {t: {"weight": "1", "min": "0", "max": "100"} for t in ALL_TIERS}


class TierPolicy(models.Model):
    """How a task's base ratio becomes per-tier ratios increasing from A to D (递加比例)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.TextField(_("说明"), blank=True)
    rules = models.JSONField(
        _("各等级规则"),
        default=_default_rules,
        help_text=_("每个等级：weight 基准比例倍数，min/max 比例下限/上限（%），times 每年最多次数"),
    )
    warning_percent = models.DecimalField(
        _("预警模型默认比例（%）"), max_digits=5, decimal_places=2, default=Decimal(3)
    )
    is_preset = models.BooleanField(_("预设"), default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("分级抽查比例策略")
        verbose_name_plural = _("分级抽查比例策略")
        ordering = ["name"]

    def __str__(self) -> str:
        """A preset's name in the user's language (a name a user gave is shown as written)."""
        return gettext(self.name)

    @property
    def description_shown(self) -> str:
        """A preset's description in the user's language while unedited."""
        return gettext(self.description) if self.description else ""

    def clean(self) -> None:
        try:
            spec = self.as_spec()
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise ValidationError({"rules": _("规则格式错误：%(e)s") % {"e": exc}}) from exc
        for tier in ALL_TIERS:
            rule = spec.rule(tier)
            if not (0 <= rule.min_percent <= rule.max_percent <= 100) or rule.weight < 0:
                raise ValidationError(
                    {"rules": _("%(t)s 级的比例下限、上限必须在 0–100 之间且下限不大于上限") % {"t": tier}}
                )

    def as_spec(self) -> PolicySpec:
        rules = {}
        for tier, raw in (self.rules or {}).items():
            if tier not in ALL_TIERS:
                raise ValueError(f"unknown tier {tier}")
            times = raw.get("times")
            rules[tier] = TierRule(
                weight=Decimal(str(raw.get("weight", "1"))),
                min_percent=Decimal(str(raw.get("min", "0"))),
                max_percent=Decimal(str(raw.get("max", "100"))),
                max_times_per_year=int(times) if times not in (None, "") else None,
            )
        return PolicySpec(rules=rules, warning_percent=Decimal(self.warning_percent))

    def rule_rows(self) -> list[tuple[str, TierRule]]:
        spec = self.as_spec()
        return [(t, spec.rule(t)) for t in (*ORDERED_TIERS, "none")]


class RiskSignal(models.Model):
    """Something the tier review should weigh: e.g. an inspection that found a problem.

    Written by the apps after this one (inspections) through `credit_risk.services.risk_signal_record`;
    internal like the tiers, never public.
    """

    target = models.ForeignKey(Target, models.CASCADE, related_name="risk_signals", verbose_name=_("检查对象"))
    source = models.CharField(_("来源"), max_length=30)
    # What it came from, e.g. "result:42"; one signal per source record.
    reference = models.CharField(_("来源记录"), max_length=100)
    occurred_on = models.DateField(_("发生日期"))
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    reviewed_at = models.DateTimeField(_("复核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("信用风险信号")
        verbose_name_plural = _("信用风险信号")
        ordering = ["-occurred_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "reference"], name="risk_signal_once")]
        indexes = [models.Index(fields=["target", "reviewed_at"], name="risk_signal_open")]

    def __str__(self) -> str:
        return f"{self.target_id} {self.source} {self.occurred_on:%Y-%m-%d}"
