"""随机抽查事项清单: the inspection item checklist, versioned, with its legal bases."""

from __future__ import annotations

import pghistory
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registries.models.org import Department


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
    claimed_by: models.ManyToManyField[Department, ItemClaim] = models.ManyToManyField(
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
    # known methods by their value (on_site…); any other method a list names, normalised, as written
    methods = models.JSONField(_("检查方式"), default=list)
    list_category = models.CharField(_("抽查类别"), max_length=200, blank=True)
    compiled_by = models.CharField(_("编制单位"), max_length=200, blank=True)
    initiating_departments = models.JSONField(_("发起部门"), default=list, blank=True)
    cooperating_departments = models.JSONField(_("配合部门"), default=list, blank=True)
    note = models.TextField(_("备注"), blank=True)
    # other columns a published list carries (抽查比例, 抽查频次, 实施层级…): label -> cell as written
    extra = models.JSONField(_("其他信息"), default=dict, blank=True)
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
        return [str(InspectionMethod(m).label) if m in InspectionMethod.values else str(m) for m in self.methods]


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

    def __str__(self) -> str:
        return f"{self.department} 认领 {self.item}"
