"""执法检查人员名录库: inspectors, the expert pool and declared conflicts (回避)."""

from __future__ import annotations

import datetime as dt

import pghistory
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField

from registries.models.org import Department, Region, User
from registries.models.targets import Target


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


# The encrypted numbers stay out of the history: its rows are shown on screen as they are,
# and a fresh ciphertext on every save would read as a change.
@pghistory.track(exclude=["id_number", "phone"])
class Inspector(models.Model):
    name = models.CharField(_("姓名"), max_length=50)
    department = models.ForeignKey(Department, models.PROTECT, verbose_name=_("所属部门"), related_name="inspectors")
    region = models.ForeignKey(Region, models.PROTECT, verbose_name=_("所属区域"), related_name="inspectors")
    certificate_no = models.CharField(_("执法证号"), max_length=40, unique=True)
    certificate_valid_until = models.DateField(_("执法证有效期至"))
    # Encrypted at rest (key from SECRET_KEY and FIELD_ENCRYPTION_SALT); shown masked.
    # (The library stores an empty value as NULL, hence null=True.)
    id_number = EncryptedCharField(_("身份证号"), max_length=18, null=True, blank=True)
    phone = EncryptedCharField(_("联系电话"), max_length=20, null=True, blank=True)
    expertise = models.ManyToManyField(Expertise, blank=True, related_name="inspectors", verbose_name=_("专业领域"))
    status = models.CharField(_("状态"), max_length=16, choices=InspectorStatus.choices, default=InspectorStatus.ACTIVE)
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

    def __str__(self) -> str:
        return f"{self.inspector} 回避 {self.target}"
