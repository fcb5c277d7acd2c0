"""django-import-export resources: the admin's upload path, and the benchmark's baseline.

Staff pages and commands use `registries.importing` (faster, row numbers, atomic option);
these keep the admin's import/export buttons working with the same columns.
"""

from __future__ import annotations

from typing import Any

from import_export import fields, resources, widgets

from registries import credit_code
from registries.models import ChecklistItem, Department, Expertise, Inspector, Region, Tag, Target


class CreditCodeWidget(widgets.CharWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str | None:
        raw = super().clean(value, row, **kwargs)
        if not raw:
            return None
        try:
            return credit_code.validate(raw)
        except credit_code.CreditCodeError as exc:
            raise ValueError(str(exc)) from exc


class NullableCharWidget(widgets.CharWidget):
    """Blank cells as NULL: the natural keys are unique but optional."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str | None:
        text = super().clean(value, row, **kwargs)
        return text.strip() or None if text else None


class TargetResource(resources.ModelResource):
    credit_code = fields.Field("credit_code", "统一社会信用代码", widget=CreditCodeWidget())
    name = fields.Field("name", "对象名称")
    kind = fields.Field("kind", "对象类型")
    region = fields.Field("region", "所属区域", widget=widgets.ForeignKeyWidget(Region, "code"))
    department = fields.Field("department", "维护部门", widget=widgets.ForeignKeyWidget(Department, "name"))
    address = fields.Field("address", "住所（经营场所）")
    industry = fields.Field("industry", "行业")
    tags = fields.Field("tags", "分类标签", widget=widgets.ManyToManyWidget(Tag, separator="；", field="name"))
    status = fields.Field("status", "登记状态")
    established_on = fields.Field("established_on", "成立日期", widget=widgets.DateWidget("%Y-%m-%d"))
    registration_no = fields.Field("registration_no", "原注册号")
    identifier = fields.Field("identifier", "对象编号", widget=NullableCharWidget())

    class Meta:
        model = Target
        import_id_fields = ("credit_code",)
        fields = (
            "credit_code",
            "name",
            "kind",
            "region",
            "department",
            "address",
            "industry",
            "tags",
            "status",
            "established_on",
            "registration_no",
            "identifier",
        )
        skip_unchanged = True
        report_skipped = False
        use_bulk = False


class InspectorResource(resources.ModelResource):
    name = fields.Field("name", "姓名")
    certificate_no = fields.Field("certificate_no", "执法证号")
    department = fields.Field("department", "所属部门", widget=widgets.ForeignKeyWidget(Department, "name"))
    region = fields.Field("region", "所属区域", widget=widgets.ForeignKeyWidget(Region, "code"))
    certificate_valid_until = fields.Field(
        "certificate_valid_until", "执法证有效期至", widget=widgets.DateWidget("%Y-%m-%d")
    )
    expertise = fields.Field(
        "expertise", "专业领域", widget=widgets.ManyToManyWidget(Expertise, separator="；", field="name")
    )
    status = fields.Field("status", "状态")

    class Meta:
        model = Inspector
        import_id_fields = ("certificate_no",)
        fields = ("name", "certificate_no", "department", "region", "certificate_valid_until", "expertise", "status")
        skip_unchanged = True


class ChecklistItemResource(resources.ModelResource):
    """Export only: item content is versioned, so items are imported with `import_items`."""

    code = fields.Field("code", "事项编码")
    name = fields.Field(attribute="current_version__name", column_name="事项名称", readonly=True)

    class Meta:
        model = ChecklistItem
        import_id_fields = ("code",)
        fields = ("code", "name")
