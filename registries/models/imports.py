"""Registry imports: one row per uploaded file, readable after it finished."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registries.models.org import Department, User


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
    warnings = models.JSONField(_("提示的行"), default=list, blank=True)
    # Every column of the file and what it maps to; values the registry could not map.
    columns = models.JSONField(_("列的对应"), default=list, blank=True)
    unmapped_values = models.JSONField(_("未识别的取值"), default=list, blank=True)
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
    def unknown_columns(self) -> list[dict[str, str]]:
        """The file's columns nobody has mapped or ignored yet (the import waits for them)."""
        return [c for c in self.columns if c.get("how") == "unknown"]

    @property
    def can_commit(self) -> bool:
        """A finished preview with every column decided, at least one valid row, and, for an
        all-or-nothing import, no rejected row."""
        return (
            self.status == ImportStatus.PREVIEWED
            and self.dry_run
            and not self.unknown_columns
            and self.total_rows > self.rejected_count
            and not (self.atomic and self.rejected_count)
        )

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.total_rows) if self.total_rows else 0


class MappingScope(models.TextChoices):
    HEADER = "header", _("列名")
    KIND = "kind", _("对象类型")
    STATUS = "status", _("登记状态")


class ImportMapping(models.Model):
    """What a department said a column header (or a cell value) of its files means.

    Saved from the preview (or given on the command line), so that the next file of the same
    shape maps itself. `source` is the normalised header (or value); `target` a field name,
    "-" for a column to ignore, or a choice value.
    """

    department = models.ForeignKey(Department, models.CASCADE, related_name="import_mappings")
    kind = models.CharField(_("导入类型"), max_length=16, choices=ImportKind.choices)
    scope = models.CharField(_("对应内容"), max_length=16, choices=MappingScope.choices, default=MappingScope.HEADER)
    source = models.CharField(_("文件中的写法"), max_length=200)
    target = models.CharField(_("对应为"), max_length=64)
    updated_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("导入列对应")
        verbose_name_plural = _("导入列对应")
        constraints = [
            models.UniqueConstraint(fields=["department", "kind", "scope", "source"], name="import_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"
