"""Annual plans (年度抽查计划), their tasks (抽查任务), versions and adjustment requests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit_risk.allocation import RatioKind as RatioKindEnum
from credit_risk.allocation import RatioSpec
from credit_risk.models import TierPolicy, WarningKind
from registries.models import ChecklistItem, ChecklistItemVersion, Department, Region, Tag, TargetKind, User

PUBLISH_DEADLINE = (4, 30)  # plans are published by the end of April
TASK_END_DEADLINE = (12, 20)  # tasks are finished by 20 December


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已公布")
    ADJUSTED = "adjusted", _("已调整")


class Plan(models.Model):
    owner = models.ForeignKey(Department, models.PROTECT, related_name="plans", verbose_name=_("制定部门"))
    year = models.PositiveIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=200)
    status = models.CharField(_("状态"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=0)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    source_name = models.CharField(_("导入文件"), max_length=255, blank=True)
    created_by = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("年度抽查计划")
        verbose_name_plural = _("年度抽查计划")
        ordering = ["-year", "owner__name"]
        constraints = [models.UniqueConstraint(fields=["owner", "year"], name="plan_one_per_owner_year")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status != PlanStatus.DRAFT

    def publish_deadline(self) -> dt.date:
        return dt.date(self.year, *PUBLISH_DEADLINE)

    def is_late(self, today: dt.date | None = None) -> bool:
        """Not published by 30 April of its year (or published after it)."""
        today = today or timezone.localdate()
        if self.published_at is not None:
            return timezone.localdate(self.published_at) > self.publish_deadline()
        return today > self.publish_deadline()


class TaskType(models.TextChoices):
    JOINT = "joint", _("部门联合")
    INTERNAL = "internal", _("内部")


class RatioKind(models.TextChoices):
    PERCENT = RatioKindEnum.PERCENT.value, _("比例")
    AT_LEAST = RatioKindEnum.AT_LEAST.value, _("不低于比例")
    COUNT = RatioKindEnum.COUNT.value, _("固定户数")
    WARNING_MODEL = RatioKindEnum.WARNING_MODEL.value, _("根据预警设定")


def items_label(items_text: str, names: list[str]) -> str:
    return items_text.strip() or "、".join(names)


class Task(models.Model):
    plan = models.ForeignKey(Plan, models.CASCADE, related_name="tasks", verbose_name=_("计划"))
    number = models.PositiveIntegerField(_("序号"))
    name = models.CharField(_("抽查任务名称"), max_length=300)
    items_text = models.TextField(_("抽查事项"), blank=True)
    items = models.ManyToManyField(ChecklistItem, blank=True, related_name="plan_tasks", verbose_name=_("关联事项"))
    scope_text = models.CharField(_("抽查对象范围"), max_length=300, blank=True)
    # The scope as a saved query on the target registry; empty parts do not restrict.
    scope_kinds = models.JSONField(_("对象类型"), default=list, blank=True)
    scope_tags = models.ManyToManyField(Tag, blank=True, related_name="plan_tasks", verbose_name=_("分类标签"))
    scope_region = models.ForeignKey(
        Region, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("区域")
    )
    scope_warning = models.CharField(_("风险预警对象"), max_length=20, choices=WarningKind.choices, blank=True)
    ratio_kind = models.CharField(_("比例类型"), max_length=16, choices=RatioKind.choices)
    ratio_percent = models.DecimalField(_("比例（%）"), max_digits=6, decimal_places=3, null=True, blank=True)
    ratio_count = models.PositiveIntegerField(_("户数"), null=True, blank=True)
    times_per_year = models.PositiveSmallIntegerField(_("每年次数"), null=True, blank=True)
    uses_tiers = models.BooleanField(_("应用信用风险分类"), default=False)
    credit_rule_text = models.TextField(_("信用风险分类要求"), blank=True)
    policy = models.ForeignKey(
        TierPolicy, models.SET_NULL, null=True, blank=True, related_name="tasks", verbose_name=_("分级比例策略")
    )
    start_month = models.PositiveSmallIntegerField(_("开始月份"), null=True, blank=True)
    end_month = models.PositiveSmallIntegerField(_("结束月份"), null=True, blank=True)
    initiator = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="initiated_tasks", verbose_name=_("发起部门")
    )
    guide_text = models.CharField(_("指导单位"), max_length=200, blank=True)
    cooperating = models.ManyToManyField(
        Department, blank=True, related_name="cooperating_tasks", verbose_name=_("配合部门")
    )
    task_type = models.CharField(_("任务类型"), max_length=16, choices=TaskType.choices, default=TaskType.INTERNAL)
    directed = models.BooleanField(_("定向"), null=True, blank=True)
    modes = models.JSONField(_("抽查方式"), default=list, blank=True)
    mode_remark = models.TextField(_("检查主体检查方式说明"), blank=True)
    remark = models.CharField(_("备注"), max_length=300, blank=True)
    # other columns of the plan table (检查主体, 抽查层级, 检查依据…): label -> cell as written
    extra = models.JSONField(_("其他信息"), default=dict, blank=True)

    class Meta:
        verbose_name = _("抽查任务")
        verbose_name_plural = _("抽查任务")
        ordering = ["plan", "number", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_month__isnull=True) | Q(start_month__gte=1, start_month__lte=12),
                name="task_start_month_valid",
            ),
            models.CheckConstraint(
                condition=Q(end_month__isnull=True) | Q(end_month__gte=1, end_month__lte=12),
                name="task_end_month_valid",
            ),
            models.CheckConstraint(
                condition=Q(start_month__isnull=True)
                | Q(end_month__isnull=True)
                | Q(start_month__lte=models.F("end_month")),
                name="task_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(ratio_percent__isnull=True) | Q(ratio_percent__gte=0, ratio_percent__lte=100),
                name="task_ratio_percent_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def ratio_spec(self) -> RatioSpec:
        percent = None if self.ratio_percent is None else Decimal(str(self.ratio_percent))
        if percent is not None:
            percent = percent.normalize()
            if percent == percent.to_integral_value():
                percent = percent.quantize(Decimal(1))
        return RatioSpec(
            kind=RatioKindEnum(self.ratio_kind),
            percent=percent,
            count=self.ratio_count,
            times_per_year=self.times_per_year,
        )

    def linked_items(self) -> list[tuple[str, str]]:
        """(code, name) of each linked checklist item as it stands now (its current version)."""
        pairs = []
        for item in self.items.all():
            current = [v for v in item.versions.all() if v.superseded_at is None]
            pairs.append((item.code, current[0].name if current else ""))
        return pairs

    def item_names(self) -> list[str]:
        return [name or code for code, name in self.linked_items()]

    def items_label(self) -> str:
        """抽查事项 as shown: the plan table's text, or else the names of the linked items."""
        return items_label(self.items_text, self.item_names())

    def ends_after_deadline(self) -> bool:
        """Tasks must be finished by 20 December: a task running through December does not."""
        return self.end_month == 12

    def in_second_half(self) -> bool:
        return self.start_month is not None and self.start_month >= 7


TARGET_KIND_VALUES = set(TargetKind.values)


class PlanVersion(models.Model):
    """A frozen copy of the plan as published or as adjusted: every version stays readable."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    snapshot = models.JSONField(_("内容"))
    reason = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("计划版本")
        verbose_name_plural = _("计划版本")
        ordering = ["plan", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique")]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"

    @property
    def tasks(self) -> list[dict[str, Any]]:
        """The frozen tasks, each with `items_label`: its items text, or the names of the item
        versions it pointed at (older snapshots kept only codes and versions: looked up)."""
        tasks = [dict(t) for t in self.snapshot.get("tasks", [])]
        wanted = {
            (code, version)
            for t in tasks
            if "item_names" not in t
            for code, version in (t.get("item_versions") or {}).items()
        }
        found: dict[tuple[str, int], str] = {}
        if wanted:
            query = Q()
            for code, version in wanted:
                query |= Q(item__code=code, version=version)
            found = {
                (code, version): name
                for code, version, name in ChecklistItemVersion.objects.filter(query).values_list(
                    "item__code", "version", "name"
                )
            }
        for t in tasks:
            names = t.get("item_names")
            if names is None:
                versions = t.get("item_versions") or {}
                names = [found.get((code, int(versions.get(code) or 0)), code) for code in t.get("items") or []]
            t["items_label"] = items_label(t.get("items_text") or "", names)
        return tasks


class AdjustmentStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待备案")
    FILED = "filed", _("已备案")
    RETURNED = "returned", _("已退回")


class Adjustment(models.Model):
    """A written request to adjust a published plan: reason, sealed letter scan, the revised table."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="adjustments", verbose_name=_("计划"))
    reason = models.TextField(_("调整理由"))
    scan = models.FileField(_("加盖公章的调整函扫描件"), upload_to="plan_adjustments/%Y/")
    revised_table = models.FileField(_("调整后的计划表"), upload_to="plan_adjustments/%Y/")
    revised_name = models.CharField(_("计划表文件名"), max_length=255, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=AdjustmentStatus.choices, default=AdjustmentStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("提交人"))
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("备案意见"), blank=True)
    version = models.ForeignKey(PlanVersion, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("计划调整备案")
        verbose_name_plural = _("计划调整备案")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=Q(status="submitted"), name="adjustment_one_open_per_plan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.reason[:30]}"

    @property
    def decision(self) -> str:
        """The office's decision in one word (备案 filed or 退回 returned); empty while submitted."""
        if self.status == AdjustmentStatus.FILED:
            return str(_("备案"))
        if self.status == AdjustmentStatus.RETURNED:
            return str(_("退回"))
        return ""

    @property
    def approved(self) -> bool:
        return self.status == AdjustmentStatus.FILED
