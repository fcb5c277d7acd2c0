"""Filter forms of the registry lists, the conflict declaration and the item version form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from registries.models import (
    Department,
    Expertise,
    ExpertKind,
    InspectionMethod,
    InspectorStatus,
    ItemCategory,
    LegalBasis,
    Region,
    Tag,
    TargetKind,
    TargetStatus,
    User,
)
from registries.services.checklist import parse_citations
from registries.text import CleanTextForm


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class FilterForm(CleanTextForm):
    """A GET form whose cleaned values are the keyword arguments of a selector.

    The office sees every department, so its forms get a department filter.
    """

    def __init__(self, data: Any = None, *, user: User) -> None:
        super().__init__(data)
        self.user = user
        if user.has_perm("registries.view_all_departments"):
            self.fields["department"] = forms.ModelChoiceField(
                label=_("部门"), queryset=Department.objects.order_by("name"), required=False, empty_label=_("全部部门")
            )

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class TargetFilterForm(FilterForm):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("名称或统一社会信用代码"), "autofocus": True}),
    )
    match = forms.ChoiceField(
        label=_("名称匹配"),
        required=False,
        choices=[("contains", _("包含")), ("prefix", _("开头为"))],
    )
    kind = forms.ChoiceField(label=_("对象类型"), required=False, choices=_blank(_("全部类型")) + TargetKind.choices)
    status = forms.ChoiceField(
        label=_("登记状态"), required=False, choices=_blank(_("全部状态")) + TargetStatus.choices
    )
    region = forms.ModelChoiceField(
        label=_("所属区域"), queryset=Region.objects.order_by("code"), required=False, empty_label=_("全部区域")
    )
    tag = forms.ModelChoiceField(
        label=_("分类标签"), queryset=Tag.objects.order_by("kind", "name"), required=False, empty_label=_("全部标签")
    )


class InspectorFilterForm(FilterForm):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("姓名或执法证号")}),
    )
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_blank(_("全部状态")) + InspectorStatus.choices)
    validity = forms.ChoiceField(
        label=_("执法证"),
        required=False,
        choices=[
            ("", _("全部")),
            ("valid", _("有效")),
            ("expired", _("已过期")),
            ("matchable", _("可参与匹配（在岗且有效）")),
        ],
    )
    expertise = forms.ModelChoiceField(
        label=_("专业领域"), queryset=Expertise.objects.all(), required=False, empty_label=_("全部领域")
    )
    region = forms.ModelChoiceField(
        label=_("所属区域"), queryset=Region.objects.order_by("code"), required=False, empty_label=_("全部区域")
    )


class ExpertFilterForm(FilterForm):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("名称或工作单位")}),
    )
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=_blank(_("全部类型")) + ExpertKind.choices)
    expertise = forms.ModelChoiceField(
        label=_("专业领域"), queryset=Expertise.objects.all(), required=False, empty_label=_("全部领域")
    )
    active = forms.ChoiceField(
        label=_("可用"), required=False, choices=[("", _("全部")), ("yes", _("可用")), ("no", _("停用"))]
    )


class ConflictFilterForm(FilterForm):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("人员、对象名称或信用代码")}),
    )


class ItemFilterForm(FilterForm):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("事项名称、编码或检查对象")}),
    )
    category = forms.ChoiceField(
        label=_("事项类别"), required=False, choices=_blank(_("全部类别")) + ItemCategory.choices
    )
    method = forms.ChoiceField(
        label=_("检查方式"), required=False, choices=_blank(_("全部方式")) + InspectionMethod.choices
    )
    claim = forms.ChoiceField(
        label=_("认领"),
        required=False,
        choices=[
            ("", _("全部")),
            ("mine", _("本部门已认领")),
            ("not_mine", _("本部门未认领")),
            ("unclaimed", _("无部门认领")),
        ],
    )

    def __init__(self, data: Any = None, *, user: User) -> None:
        super().__init__(data, user=user)
        # The office has no remit of its own; it filters by department instead.
        self.fields.pop("department", None)
        if user.has_perm("registries.view_all_departments"):
            claim = self.fields["claim"]
            assert isinstance(claim, forms.ChoiceField)
            claim.choices = [("", _("全部")), ("unclaimed", _("无部门认领"))]


class LegalBasisFilterForm(CleanTextForm):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("法律法规名称或条款")}),
    )


class ConflictForm(CleanTextForm):
    target_key = forms.CharField(
        label=_("检查对象的统一社会信用代码或对象编号"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("回避事由"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：近亲属在该单位任职")}),
    )


class ItemVersionForm(CleanTextForm):
    name = forms.CharField(label=_("抽查事项"), max_length=300)
    category = forms.ChoiceField(label=_("事项类别"), choices=ItemCategory.choices)
    object_type = forms.CharField(label=_("检查对象"), max_length=300)
    inspecting_body = forms.CharField(label=_("检查主体"), max_length=200, required=False)
    content = forms.CharField(label=_("检查内容"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    methods = forms.MultipleChoiceField(
        label=_("检查方式"), choices=InspectionMethod.choices, widget=forms.CheckboxSelectMultiple
    )
    legal_bases = forms.ModelMultipleChoiceField(
        label=_("检查依据"),
        queryset=LegalBasis.objects.order_by("law", "article"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    new_citations = forms.CharField(
        label=_("新增检查依据"),
        required=False,
        help_text=_("每行一条，写成《法律法规名称》条款，例如《中华人民共和国食品安全法》第一百一十条"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_new_citations(self) -> list[tuple[str, str]]:
        try:
            return parse_citations(self.cleaned_data.get("new_citations") or "")
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("legal_bases") and not cleaned.get("new_citations") and not self.errors:
            raise forms.ValidationError(_("请至少选择或填写一条检查依据"))
        return cleaned


class DuplicateMergeForm(CleanTextForm):
    """Which of two likely duplicates to keep (its id; the service checks it is one of the pair)."""

    keep = forms.IntegerField(
        min_value=1, error_messages={"required": _("请选择要保留的记录"), "invalid": _("请选择要保留的记录")}
    )
