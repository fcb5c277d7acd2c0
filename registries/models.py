"""The one list and two registries (一单两库), and the organisation they belong to.

Departments, users and roles live here because every later app scopes its data by them.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import pghistory
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registries import credit_code


class Level(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


class Region(models.Model):
    """An administrative division (GB/T 2260 code), e.g. 阳城县 140522."""

    code = models.CharField(_("行政区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Department(models.Model):
    name = models.CharField(_("部门名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name=_("所属区域"), related_name="departments")
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, verbose_name=_("上级部门"), related_name="children"
    )
    is_leading_group_office = models.BooleanField(_("领导小组办公室"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name


class DepartmentAlias(models.Model):
    """Another name a plan may use for a department (县交通局 for 县交通运输局)."""

    department = models.ForeignKey(Department, models.CASCADE, related_name="aliases")
    name = models.CharField(_("别名"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("部门别名")
        verbose_name_plural = _("部门别名")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    STAFF = "staff", _("部门业务人员")
    INSPECTOR = "inspector", _("执法检查人员")
    LEADER = "leader", _("单位主要负责人")
    OFFICE = "office", _("领导小组办公室")
    SYSTEM_ADMIN = "sysadmin", _("系统管理员")
    SECURITY_ADMIN = "secadmin", _("安全管理员")
    AUDIT_ADMIN = "auditadmin", _("审计管理员")


DEPARTMENT_ROLES = (Role.STAFF, Role.INSPECTOR, Role.LEADER)
ADMIN_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


class User(AbstractUser):
    """One account, one role: the three administrator roles can never be held together."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.STAFF)
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, verbose_name=_("所属部门"), related_name="users"
    )

    objects: ClassVar[UserManager[User]] = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=[r.value for r in DEPARTMENT_ROLES]) | Q(department__isnull=False),
                name="user_department_role_has_department",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_office(self) -> bool:
        return self.role == Role.OFFICE

    @property
    def is_department_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.LEADER)


# ---------------------------------------------------------------------------
# 随机抽查事项清单: the inspection item checklist, versioned
# ---------------------------------------------------------------------------


class ItemCategory(models.TextChoices):
    KEY = "key", _("重点检查事项")
    GENERAL = "general", _("一般检查事项")


class InspectionMethod(models.TextChoices):
    ON_SITE = "on_site", _("实地核查")
    DOCUMENTARY = "documentary", _("书面检查")
    ONLINE = "online", _("网络监测")


class LegalBasis(models.Model):
    """One article of one law (检查依据); items link to it so a change of law finds them."""

    law = models.CharField(_("法律法规名称"), max_length=200)
    article = models.CharField(_("条款"), max_length=100, blank=True)
    text = models.TextField(_("条文"), blank=True)

    class Meta:
        verbose_name = _("检查依据")
        verbose_name_plural = _("检查依据")
        ordering = ["law", "article"]
        constraints = [models.UniqueConstraint(fields=["law", "article"], name="legal_basis_unique_law_article")]

    def __str__(self) -> str:
        return f"《{self.law}》{self.article}" if self.article else f"《{self.law}》"


class ChecklistItem(models.Model):
    """The stable identity of a checklist item; its content lives in versions."""

    code = models.CharField(_("事项编码"), max_length=50, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.ManyToManyField(
        Department, through="ItemClaim", related_name="claimed_items", verbose_name=_("认领部门")
    )

    class Meta:
        verbose_name = _("抽查事项")
        verbose_name_plural = _("抽查事项")
        ordering = ["code"]

    def __str__(self) -> str:
        current = self.current_version
        return f"{self.code} {current.name}" if current else self.code

    @property
    def current_version(self) -> ChecklistItemVersion | None:
        return self.versions.filter(superseded_at__isnull=True).first()


@pghistory.track()
class ChecklistItemVersion(models.Model):
    """An immutable version of an item. A change makes a new version; plans keep the old."""

    item = models.ForeignKey(ChecklistItem, models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("抽查事项"), max_length=300)
    category = models.CharField(_("事项类别"), max_length=16, choices=ItemCategory.choices)
    object_type = models.CharField(_("检查对象"), max_length=300)
    inspecting_body = models.CharField(_("检查主体"), max_length=200, blank=True)
    content = models.TextField(_("检查内容"), blank=True)
    methods = models.JSONField(_("检查方式"), default=list)
    legal_bases = models.ManyToManyField(LegalBasis, related_name="item_versions", verbose_name=_("检查依据"))
    created_at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("抽查事项版本")
        verbose_name_plural = _("抽查事项版本")
        ordering = ["item__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="item_version_unique"),
            models.UniqueConstraint(
                fields=["item"], condition=Q(superseded_at__isnull=True), name="item_one_current_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def method_labels(self) -> list[str]:
        return [str(InspectionMethod(m).label) for m in self.methods if m in InspectionMethod.values]


@pghistory.track()
class ItemClaim(models.Model):
    """A department claims (认领) an item within its remit."""

    item = models.ForeignKey(ChecklistItem, models.CASCADE, related_name="claims")
    department = models.ForeignKey(Department, models.CASCADE, related_name="item_claims")
    claimed_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.ForeignKey("User", models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("事项认领")
        verbose_name_plural = _("事项认领")
        constraints = [models.UniqueConstraint(fields=["item", "department"], name="item_claim_unique")]


# ---------------------------------------------------------------------------
# 检查对象名录库: the target registry
# ---------------------------------------------------------------------------


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


@pghistory.track()
class Target(models.Model):
    kind = models.CharField(_("对象类型"), max_length=16, choices=TargetKind.choices, default=TargetKind.ENTERPRISE)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, null=True, blank=True, unique=True)
    identifier = models.CharField(
        _("对象编号"), max_length=64, null=True, blank=True, unique=True, help_text=_("无统一社会信用代码的对象（如工程项目）的编号")
    )
    registration_no = models.CharField(_("原注册号"), max_length=20, blank=True, db_index=True)
    name = models.CharField(_("名称"), max_length=200, db_index=True)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name=_("所属区域"), related_name="targets")
    address = models.CharField(_("住所（经营场所）"), max_length=300, blank=True)
    industry = models.CharField(_("行业"), max_length=100, blank=True)
    status = models.CharField(_("登记状态"), max_length=16, choices=TargetStatus.choices, default=TargetStatus.ACTIVE)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    department = models.ForeignKey(
        Department, models.PROTECT, verbose_name=_("维护部门"), related_name="targets", db_index=True
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="targets", verbose_name=_("分类标签"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("检查对象")
        verbose_name_plural = _("检查对象")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_code__isnull=False) | Q(identifier__isnull=False),
                name="target_has_natural_key",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "status", "kind"], name="target_dept_status_kind"),
            models.Index(fields=["region", "status"], name="target_region_status"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def natural_key_value(self) -> str:
        return self.credit_code or self.identifier or ""

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.credit_code:
            try:
                self.credit_code = credit_code.validate(self.credit_code)
            except credit_code.CreditCodeError as exc:
                raise ValidationError({"credit_code": str(exc)}) from exc
        elif self.kind in KINDS_WITH_CREDIT_CODE:
            raise ValidationError({"credit_code": _("该类型的对象必须填写统一社会信用代码")})
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


# ---------------------------------------------------------------------------
# 执法检查人员名录库: the inspector registry, the expert pool and declared conflicts
# ---------------------------------------------------------------------------


class Expertise(models.Model):
    name = models.CharField(_("专业领域"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("专业领域")
        verbose_name_plural = _("专业领域")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InspectorStatus(models.TextChoices):
    ACTIVE = "active", _("在岗")
    TRANSFERRED = "transferred", _("调离")
    RETIRED = "retired", _("退休")


@pghistory.track()
class Inspector(models.Model):
    name = models.CharField(_("姓名"), max_length=50)
    department = models.ForeignKey(Department, models.PROTECT, verbose_name=_("所属部门"), related_name="inspectors")
    region = models.ForeignKey(Region, models.PROTECT, verbose_name=_("所属区域"), related_name="inspectors")
    certificate_no = models.CharField(_("执法证号"), max_length=40, unique=True)
    certificate_valid_until = models.DateField(_("执法证有效期至"))
    expertise = models.ManyToManyField(Expertise, blank=True, related_name="inspectors", verbose_name=_("专业领域"))
    status = models.CharField(
        _("状态"), max_length=16, choices=InspectorStatus.choices, default=InspectorStatus.ACTIVE
    )
    user = models.OneToOneField(
        User, models.SET_NULL, null=True, blank=True, related_name="inspector", verbose_name=_("登录账号")
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("执法检查人员")
        verbose_name_plural = _("执法检查人员")
        ordering = ["department", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.certificate_no}）"

    def is_matchable(self, on: dt.date | None = None) -> bool:
        """Expired or inactive officers are never matched."""
        on = on or timezone.localdate()
        return self.status == InspectorStatus.ACTIVE and self.certificate_valid_until >= on


class ExpertKind(models.TextChoices):
    PERSON = "person", _("专家")
    INSTITUTION = "institution", _("专业机构")


@pghistory.track()
class Expert(models.Model):
    """专家库: an expert or a qualified institution (检验检测, 财务审计) joining on commission."""

    kind = models.CharField(_("类型"), max_length=16, choices=ExpertKind.choices, default=ExpertKind.PERSON)
    name = models.CharField(_("名称"), max_length=200)
    organisation = models.CharField(_("工作单位"), max_length=200, blank=True)
    qualification = models.CharField(_("资质"), max_length=200, blank=True)
    qualification_valid_until = models.DateField(_("资质有效期至"), null=True, blank=True)
    expertise = models.ManyToManyField(Expertise, blank=True, related_name="experts", verbose_name=_("专业领域"))
    department = models.ForeignKey(Department, models.PROTECT, verbose_name=_("管理部门"), related_name="experts")
    region = models.ForeignKey(Region, models.PROTECT, verbose_name=_("所属区域"), related_name="experts")
    is_active = models.BooleanField(_("可用"), default=True)

    class Meta:
        verbose_name = _("专家及专业机构")
        verbose_name_plural = _("专家及专业机构")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Conflict(models.Model):
    """A declared conflict of interest (回避) between an inspector and a target."""

    inspector = models.ForeignKey(Inspector, models.CASCADE, related_name="conflicts", verbose_name=_("执法检查人员"))
    target = models.ForeignKey(Target, models.CASCADE, related_name="conflicts", verbose_name=_("检查对象"))
    reason = models.CharField(_("回避事由"), max_length=200)
    declared_at = models.DateTimeField(_("申报时间"), default=timezone.now)

    class Meta:
        verbose_name = _("回避申报")
        verbose_name_plural = _("回避申报")
        constraints = [models.UniqueConstraint(fields=["inspector", "target"], name="conflict_unique")]


# ---------------------------------------------------------------------------
# Registry imports: one row per uploaded file, readable after it finished
# ---------------------------------------------------------------------------


class ImportKind(models.TextChoices):
    TARGETS = "targets", _("检查对象")
    INSPECTORS = "inspectors", _("执法检查人员")
    ITEMS = "items", _("抽查事项")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("导入中")
    PREVIEWED = "previewed", _("已预览")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    kind = models.CharField(_("导入类型"), max_length=16, choices=ImportKind.choices)
    department = models.ForeignKey(Department, models.PROTECT, related_name="import_jobs", verbose_name=_("部门"))
    created_by = models.ForeignKey(User, models.PROTECT, related_name="import_jobs", verbose_name=_("导入人"))
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    dry_run = models.BooleanField(_("仅预览"), default=True)
    atomic = models.BooleanField(_("全部成功才导入"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变"), default=0)
    rejected_count = models.PositiveIntegerField(_("拒绝"), default=0)
    errors = models.JSONField(_("拒绝的行"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.PREVIEWED, ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.total_rows) if self.total_rows else 0
