"""Results (结果录入): who inspects, enters; once submitted, never silently changed.

A visit's result is a chain of immutable versions. Version 1 is what the team submitted;
each approved correction adds the next version and the earlier ones stay readable. On
PostgreSQL triggers refuse any UPDATE or DELETE of a submitted version, of its item
results and of its evidence, whoever sends the statement (the app, the admin, a stray
query). Work in progress lives in a `ResultDraft`, which is mutable and saved as the
inspector types, so a lost connection loses nothing.
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext
from django.utils.translation import gettext_lazy as _

from inspections.models.visits import Visit
from plans.models import Task
from registries.models import ChecklistItem, ChecklistItemVersion, Department, User

# The national categories seeded by migration 0005: stored in Chinese, shown in the user's language.
NATIONAL_CATEGORY_NAMES = (
    gettext_noop("未发现问题"),
    gettext_noop("违反市场监管相关规定"),
    gettext_noop("未按规定公示应当公示的信息"),
    gettext_noop("公示信息隐瞒真实情况、弄虚作假"),
    gettext_noop("通过登记的住所(经营场所)无法联系"),
    gettext_noop("其他违规行为"),
    gettext_noop("违反食品药品管理相关规定"),
    gettext_noop("违反质量技术监督相关规定"),
    gettext_noop("违反其他部门相关规定"),
    gettext_noop("发现问题经责令已改正"),
    gettext_noop("发现问题待后续处理"),
    gettext_noop("未发现开展本次抽查涉及的经营活动"),
    gettext_noop("已关闭停业或正在组织清算"),
    gettext_noop("不配合检查情节严重"),
    gettext_noop("已注销"),
    gettext_noop("已被吊销"),
    gettext_noop("已被撤销"),
    gettext_noop("已迁出"),
)


class ResultCategory(models.Model):
    """The national result categories (a hierarchy, several may apply), versioned by scheme."""

    scheme = models.CharField(_("分类版本"), max_length=20)
    code = models.CharField(_("编码"), max_length=10)
    name = models.CharField(_("检查结果"), max_length=100)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    # A problem was found: opens a follow-up ledger entry and flags the object for credit risk.
    is_problem = models.BooleanField(_("发现问题"), default=False)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("检查结果类别")
        verbose_name_plural = _("检查结果类别")
        ordering = ["scheme", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="result_category_unique")]

    def __str__(self) -> str:
        """The name in the user's language (a seeded national category has an English one); a
        sub-category after its parent."""
        if self.parent_id and self.parent:
            return f"{gettext(self.parent.name)}{pgettext('punctuation', '：')}{gettext(self.name)}"
        return gettext(self.name)


class ResultDraft(models.Model):
    """The team's work in progress on a visit: saved on every change, replaced on submit."""

    visit = models.OneToOneField(Visit, models.CASCADE, related_name="draft")
    # {"completed_on": "2026-05-12", "findings": "...", "items": {"<task>-<item>": ["<category id>", ...]}}
    data = models.JSONField(default=dict)
    saved_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    saved_at = models.DateTimeField(default=timezone.now)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("检查结果草稿")
        verbose_name_plural = _("检查结果草稿")

    def __str__(self) -> str:
        return f"{self.visit_id} r{self.revision}"


class Result(models.Model):
    """One submitted version of a visit's result. Written once, never changed."""

    visit = models.ForeignKey(Visit, models.PROTECT, related_name="results", verbose_name=_("检查"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    completed_on = models.DateField(_("检查完成日期"))
    findings = models.TextField(_("检查情况"), blank=True)
    problem_found = models.BooleanField(_("发现问题"), default=False)
    # The entry deadline and whether it was met, fixed when version 1 was submitted.
    deadline = models.DateField(_("录入期限"))
    deadline_provisional = models.BooleanField(_("期限为暂定"), default=False)
    entered_late = models.BooleanField(_("逾期录入"), default=False)
    entered_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("录入人"))
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    # Set on versions after the first: the approved correction that made it.
    correction_reason = models.TextField(_("更正理由"), blank=True)
    approved_by = models.ForeignKey(
        User, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("批准人")
    )
    # Set by PostgreSQL on insert (`result_stamp_transaction`): the transaction that wrote the
    # version. Only that transaction may add its item results; later ones find it final.
    created_txid = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        ordering = ["visit", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "version"], name="result_version_unique"),
            models.CheckConstraint(
                condition=Q(version=1) | (~Q(correction_reason="") & Q(approved_by__isnull=False)),
                name="result_correction_approved",
            ),
        ]
        indexes = [models.Index(fields=["entered_at"], name="result_entered_at")]
        triggers = [
            pgtrigger.Protect(name="result_is_final", operation=pgtrigger.Update | pgtrigger.Delete),
            pgtrigger.Trigger(
                name="result_stamp_transaction",
                operation=pgtrigger.Insert,
                when=pgtrigger.Before,
                func="NEW.created_txid := txid_current(); RETURN NEW;",
            ),
            # A version after the first exists only as an approved correction's new result
            # (checked at commit: the correction is marked approved after the version is written).
            pgtrigger.Trigger(
                name="result_version_needs_approval",
                operation=pgtrigger.Insert,
                when=pgtrigger.After,
                timing=pgtrigger.Deferred,
                condition=pgtrigger.Condition('NEW."version" > 1'),
                func="""
                    IF NOT EXISTS (
                        SELECT 1 FROM inspections_correction c
                        WHERE c.new_result_id = NEW.id AND c.status = 'approved'
                    ) THEN
                        RAISE EXCEPTION 'pgtrigger: Cannot add a result version without an approved correction';
                    END IF;
                    RETURN NULL;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} v{self.version}"


class ItemResult(models.Model):
    """The result of one checklist item of one task at a visit (a visit may serve several tasks)."""

    result = models.ForeignKey(Result, models.PROTECT, related_name="items")
    task = models.ForeignKey(Task, models.PROTECT, related_name="item_results", verbose_name=_("抽查任务"))
    # None: the task's items were never linked to the checklist (only its item text): the task as a whole.
    item = models.ForeignKey(
        ChecklistItem, models.PROTECT, null=True, blank=True, related_name="results", verbose_name=_("抽查事项")
    )
    # The version in force at the visit: the law and content the inspector checked against.
    item_version = models.ForeignKey(
        ChecklistItemVersion, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("事项版本")
    )
    categories: models.ManyToManyField[ResultCategory, ItemResultCategory] = models.ManyToManyField(
        ResultCategory, through="ItemResultCategory", related_name="+", verbose_name=_("检查结果")
    )
    problem_found = models.BooleanField(_("发现问题"), default=False)

    class Meta:
        verbose_name = _("事项检查结果")
        verbose_name_plural = _("事项检查结果")
        ordering = ["result", "task", "item"]
        constraints = [
            models.UniqueConstraint(fields=["result", "task", "item"], name="item_result_unique"),
            models.UniqueConstraint(
                fields=["result", "task"], condition=Q(item__isnull=True), name="item_result_task_unique"
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="item_result_is_final", operation=pgtrigger.Update | pgtrigger.Delete),
            pgtrigger.Trigger(
                name="item_result_only_with_its_result",
                operation=pgtrigger.Insert,
                when=pgtrigger.Before,
                func="""
                    IF (SELECT r.created_txid FROM inspections_result r WHERE r.id = NEW.result_id)
                        IS DISTINCT FROM txid_current() THEN
                        RAISE EXCEPTION 'pgtrigger: Cannot add to a submitted result';
                    END IF;
                    RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.result_id}: {self.item_id}"


class ItemResultCategory(models.Model):
    item_result = models.ForeignKey(ItemResult, models.PROTECT, related_name="category_links")
    category = models.ForeignKey(ResultCategory, models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item_result", "category"], name="item_result_category_unique")]
        triggers = [
            pgtrigger.Protect(name="item_result_category_is_final", operation=pgtrigger.Update | pgtrigger.Delete),
            pgtrigger.Trigger(
                name="item_category_only_with_its_result",
                operation=pgtrigger.Insert,
                when=pgtrigger.Before,
                func="""
                    IF (SELECT r.created_txid FROM inspections_itemresult i
                        JOIN inspections_result r ON r.id = i.result_id WHERE i.id = NEW.item_result_id)
                        IS DISTINCT FROM txid_current() THEN
                        RAISE EXCEPTION 'pgtrigger: Cannot add to a submitted result';
                    END IF;
                    RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_result_id}: {self.category_id}"


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    DOCUMENT = "document", _("文书")


class Evidence(models.Model):
    """A photo or document of a visit, stored outside the database and served behind a permission check.

    Uploaded while the result is a draft; attached to the result version on submit, and from
    then on it can neither change nor go (a trigger refuses it).
    """

    visit = models.ForeignKey(Visit, models.PROTECT, related_name="evidence")
    result = models.ForeignKey(Result, models.PROTECT, null=True, blank=True, related_name="evidence")
    kind = models.CharField(_("类型"), max_length=16, choices=EvidenceKind.choices)
    content_type = models.CharField(max_length=100)
    original_name = models.CharField(_("文件名"), max_length=255)
    path = models.CharField(max_length=255, unique=True)  # relative to MEDIA_ROOT
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("检查证据")
        verbose_name_plural = _("检查证据")
        ordering = ["uploaded_at", "id"]
        triggers = [
            pgtrigger.Protect(
                name="evidence_of_result_is_final",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Condition('OLD."result_id" IS NOT NULL'),
            ),
            # A draft's file joins only a result of its own visit, written in the same transaction.
            pgtrigger.Trigger(
                name="evidence_joins_its_own_result",
                operation=pgtrigger.Update,
                when=pgtrigger.Before,
                condition=pgtrigger.Condition('OLD."result_id" IS NULL AND NEW."result_id" IS NOT NULL'),
                func="""
                    IF NOT EXISTS (
                        SELECT 1 FROM inspections_result r
                        WHERE r.id = NEW.result_id AND r.visit_id = NEW.visit_id AND r.created_txid = txid_current()
                    ) THEN
                        RAISE EXCEPTION 'pgtrigger: Cannot attach evidence to another or an earlier result';
                    END IF;
                    RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class Correction(models.Model):
    """A request to correct a submitted result; the unit's principal leader decides."""

    result = models.ForeignKey(Result, models.PROTECT, related_name="corrections", verbose_name=_("原结果"))
    # The unit whose principal leader decides: the requesting officer's department.
    department = models.ForeignKey(Department, models.PROTECT, related_name="+", verbose_name=_("所属单位"))
    reason = models.TextField(_("更正理由"))
    # Same shape as ResultDraft.data: what the corrected version will say.
    proposed = models.JSONField(_("更正内容"), default=dict)
    status = models.CharField(
        _("状态"), max_length=16, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    requested_by = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        User, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("审批人")
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    new_result = models.OneToOneField(
        Result, models.PROTECT, null=True, blank=True, related_name="made_by_correction", verbose_name=_("更正后结果")
    )

    class Meta:
        verbose_name = _("结果更正申请")
        verbose_name_plural = _("结果更正申请")
        ordering = ["-requested_at"]
        constraints = [
            # One open request per result version at a time.
            models.UniqueConstraint(fields=["result"], condition=Q(status="pending"), name="correction_one_pending"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="correction_decided_by_someone",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(new_result__isnull=False), name="correction_approved_has_result"
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="decided_correction_is_final",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Condition("OLD.\"status\" <> 'pending'"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.result} {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == CorrectionStatus.PENDING

    @property
    def decision(self) -> str:
        """The leader's decision in one word (批准 or 驳回); empty while pending."""
        if self.status == CorrectionStatus.APPROVED:
            return str(_("批准"))
        if self.status == CorrectionStatus.REJECTED:
            return str(_("驳回"))
        return ""

    @property
    def approved(self) -> bool:
        return self.status == CorrectionStatus.APPROVED
