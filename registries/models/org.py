"""Regions, departments and their aliases, users and roles."""

from __future__ import annotations

from datetime import datetime, timedelta

import pghistory
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWN = "town", _("乡镇级")


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


class RegionalDepartmentAlias(models.Model):
    """A kind of department a provincial list names (教育部门, 市场监管部门), mapped once by a
    region to its own bureau; later imports for that region resolve the kind by itself."""

    region = models.ForeignKey(Region, models.CASCADE, related_name="department_aliases", verbose_name=_("区域"))
    name = models.CharField(_("名称"), max_length=100)
    department = models.ForeignKey(
        Department, models.CASCADE, related_name="regional_aliases", verbose_name=_("对应部门")
    )

    class Meta:
        verbose_name = _("部门类别对应")
        verbose_name_plural = _("部门类别对应")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="regional_alias_unique_name")]

    def __str__(self) -> str:
        return f"{self.region} {self.name} → {self.department}"


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
    # Empty until the user sets a password of their own: an initial password must be changed.
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

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

    def password_change_due(self, now: datetime | None = None) -> bool:
        """An initial password, or one older than PASSWORD_MAX_AGE_DAYS, must be changed."""
        if self.password_changed_at is None:
            return True
        now = now or timezone.now()
        return now - self.password_changed_at > timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
