"""检查对象名录库: the target registry, its tags and likely duplicates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pghistory
import pgtrigger
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registries import credit_code
from registries.models.org import Department, Region, User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class TargetKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INDIVIDUAL = "individual", _("个体工商户")
    COOPERATIVE = "cooperative", _("农民专业合作社")
    INSTITUTION = "institution", _("事业单位")
    SOCIAL_ORG = "social_org", _("社会组织")
    SCHOOL = "school", _("学校")
    PROJECT = "project", _("工程项目")
    PRODUCT = "product", _("产品")
    OTHER = "other", _("其他对象")


# Kinds keyed by a 统一社会信用代码; the others (projects, products) by an identifier.
KINDS_WITH_CREDIT_CODE = frozenset(
    {
        TargetKind.ENTERPRISE,
        TargetKind.INDIVIDUAL,
        TargetKind.COOPERATIVE,
        TargetKind.INSTITUTION,
        TargetKind.SOCIAL_ORG,
        TargetKind.SCHOOL,
    }
)
MARKET_ENTITY_KINDS = frozenset({TargetKind.ENTERPRISE, TargetKind.INDIVIDUAL, TargetKind.COOPERATIVE})


class TargetStatus(models.TextChoices):
    ACTIVE = "active", _("存续")
    CANCELLED = "cancelled", _("注销")
    REVOKED = "revoked", _("吊销")
    MOVED_OUT = "moved_out", _("迁出")
    # Not a registration status: the record was a duplicate and was merged into another.
    MERGED = "merged", _("已合并")


class TagKind(models.TextChoices):
    INDUSTRY = "industry", _("行业")
    KEY_AREA = "key_area", _("重点领域")
    LICENCE = "licence", _("许可类型")
    DOMAIN = "domain", _("分库")


class Tag(models.Model):
    """A classification tag: industry, key area, licence type or domain sub-library (分库)."""

    name = models.CharField(_("标签"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=TagKind.choices, default=TagKind.INDUSTRY)

    class Meta:
        verbose_name = _("分类标签")
        verbose_name_plural = _("分类标签")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


def _history_key(
    to: type[models.Model] | str, verbose_name: StrOrPromise, *, null: bool = False
) -> models.ForeignKey[Any]:
    """A foreign key of the history rows: no constraint (as pghistory makes them) and no index.

    History is read per record (pgh_obj); an index per copied key costs every imported row.
    """
    return models.ForeignKey(
        to,
        models.DO_NOTHING,
        null=null,
        blank=null,
        db_constraint=False,
        db_index=False,
        related_name="+",
        related_query_name="+",
        verbose_name=verbose_name,
    )


# Statement-level triggers: one trigger call per statement reading the transition table. Row-level
# ones cost about 1 ms a row (two exception blocks per row in pgtrigger's and pghistory's
# functions): a 100,000-row registry import took minutes (measured in benchmarks/import_targets.py).
@pghistory.track(
    level=pgtrigger.Statement,
    attrs={
        "region": _history_key(Region, _("所属区域")),
        "department": _history_key(Department, _("维护部门")),
        "merged_into": _history_key("registries.Target", _("已合并至"), null=True),
    },
)
class Target(models.Model):
    kind = models.CharField(_("对象类型"), max_length=16, choices=TargetKind.choices, default=TargetKind.ENTERPRISE)
    # Unique and plain indexes are declared in Meta: a field's unique=True or db_index=True also
    # creates a varchar_pattern_ops "_like" index on PostgreSQL that no query here needs (exact
    # lookups only) and every insert pays for.
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, null=True, blank=True)
    identifier = models.CharField(
        _("对象编号"),
        max_length=64,
        null=True,
        blank=True,
        help_text=_("无统一社会信用代码的对象（如工程项目）的编号"),
    )
    registration_no = models.CharField(_("原注册号"), max_length=20, blank=True)
    # The identifier of a market entity registered before the credit code (个体工商户 before 2015
    # often never received one): unique, so that a credit code arriving later links to it.
    registration_number = models.CharField(
        _("注册号"),
        max_length=20,
        null=True,
        blank=True,
        help_text=_("无统一社会信用代码的市场主体的注册号（如15位工商注册号）"),
    )
    legal_representative = models.CharField(_("法定代表人（负责人、经营者）"), max_length=100, blank=True)
    name = models.CharField(_("名称"), max_length=200, db_index=True)
    # No single-column indexes on region and department: the composite indexes in Meta lead with them.
    # No database constraint either: a per-row check of a row of a small table that is never
    # deleted (PROTECT) cost imports a tenth of their time; the import locks the rows it refers to.
    region = models.ForeignKey(
        Region, models.PROTECT, verbose_name=_("所属区域"), related_name="targets", db_index=False, db_constraint=False
    )
    address = models.CharField(_("住所（经营场所）"), max_length=300, blank=True)
    industry = models.CharField(_("行业"), max_length=100, blank=True)
    status = models.CharField(_("登记状态"), max_length=16, choices=TargetStatus.choices, default=TargetStatus.ACTIVE)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    department = models.ForeignKey(
        Department,
        models.PROTECT,
        verbose_name=_("维护部门"),
        related_name="targets",
        db_index=False,
        db_constraint=False,
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="targets", verbose_name=_("分类标签"))
    merged_into = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        verbose_name=_("已合并至"),
        help_text=_("重复记录合并后保留的对象"),
        db_index=False,  # the partial index in Meta: almost every row is NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("检查对象")
        verbose_name_plural = _("检查对象")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_code__isnull=False)
                | Q(registration_number__isnull=False)
                | Q(identifier__isnull=False),
                name="target_has_identifier",
            ),
            # The conflict targets of the import's INSERT ... ON CONFLICT (credit_code) /
            # (registration_number) / (identifier).
            models.UniqueConstraint(fields=["credit_code"], name="target_credit_code_unique"),
            # Partial: most targets have a credit code and no registration number, and a NULL entry
            # would cost every imported row an index insert.
            models.UniqueConstraint(
                fields=["registration_number"],
                condition=Q(registration_number__isnull=False),
                name="target_registration_number_unique",
            ),
            models.UniqueConstraint(fields=["identifier"], name="target_identifier_unique"),
        ]
        indexes = [
            models.Index(fields=["registration_no"], name="target_registration_no"),
            models.Index(fields=["department", "status", "kind"], name="target_dept_status_kind"),
            models.Index(fields=["region", "status"], name="target_region_status"),
            models.Index(fields=["merged_into"], name="target_merged_into", condition=Q(merged_into__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def natural_key_value(self) -> str:
        return self.credit_code or self.registration_number or self.identifier or ""

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.credit_code:
            try:
                self.credit_code = credit_code.validate(self.credit_code)
            except credit_code.CreditCodeError as exc:
                raise ValidationError({"credit_code": str(exc)}) from exc
        elif self.registration_number:
            pass
        elif self.kind in KINDS_WITH_CREDIT_CODE:
            raise ValidationError({"credit_code": _("该类型的对象必须填写统一社会信用代码或注册号")})
        elif not self.identifier:
            raise ValidationError({"identifier": _("无统一社会信用代码的对象必须填写对象编号")})


class DuplicateReason(models.TextChoices):
    SAME_REGISTRATION_NO = "registration_no", _("原注册号相同")
    SAME_NAME_ADDRESS = "name_address", _("名称和住所相同")


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    MERGED = "merged", _("已合并")
    DISMISSED = "dismissed", _("非重复")


class DuplicateFlag(models.Model):
    """Two targets that are likely one entity, waiting for a person to merge or dismiss."""

    first = models.ForeignKey(Target, models.CASCADE, related_name="+")
    second = models.ForeignKey(Target, models.CASCADE, related_name="+")
    reason = models.CharField(_("疑似原因"), max_length=20, choices=DuplicateReason.choices)
    status = models.CharField(_("状态"), max_length=16, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("疑似重复对象")
        verbose_name_plural = _("疑似重复对象")
        constraints = [
            models.UniqueConstraint(fields=["first", "second", "reason"], name="duplicate_flag_unique"),
            models.CheckConstraint(condition=Q(first__lt=models.F("second")), name="duplicate_flag_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.first} / {self.second}（{self.get_reason_display()}）"

    @property
    def pair(self) -> tuple[Target, Target]:
        return (self.first, self.second)
