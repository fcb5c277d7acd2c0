"""The column map of each registry, declared once, as django-import-export resources.

A registry's resource names its canonical columns: per field the Chinese column label (the only
name users ever see), the header synonyms and keywords a bureau's file may use instead
(including the national market-entity data standard's field codes, such as UNISCID, and the
pinyin-initial codes registration systems export, such as TYXYDM), and the value widget. Everything
else derives from it: the header matching of the streaming import (`header_spec`), the exports
and the downloadable templates (`column_labels`), the preview's list of fields a column can be
mapped to. The admin offers exports only: imports go through the staff pages and commands,
which scope them to the user's department and audit them.

Columns a registration system exports that this registry does not keep (注册资本, 经营范围, ...)
are declared too (`NOT_STORED`): they are recognised and listed as "not imported" in the
preview, never silently dropped and never mistaken for an unknown column.
"""

from __future__ import annotations

from typing import Any

from import_export import fields, resources, widgets

from registries import credit_code
from registries.importing.headers import Column, HeaderSpec
from registries.models import ChecklistItem, Department, Expertise, Inspector, Region, Tag, Target

NOT_STORED_PREFIX = "~"  # a recognised column this registry does not keep


class ImportField(fields.Field):
    """A resource field with the header texts that name it in bureaus' files."""

    def __init__(
        self,
        attribute: str,
        column_name: str,
        *,
        synonyms: tuple[str, ...] = (),
        keywords: tuple[str, ...] = (),
        widget: widgets.Widget | None = None,
        readonly: bool = False,
        exported: bool = True,
    ) -> None:
        super().__init__(attribute=attribute, column_name=column_name, widget=widget, readonly=readonly)
        self.synonyms = synonyms
        self.keywords = keywords
        self.exported = exported


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


class ChoiceLabelWidget(widgets.Widget):
    """A choice exported as its Chinese label."""

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        field_name = kwargs.get("field_name", "")
        if obj is not None and field_name:
            return str(getattr(obj, f"get_{field_name}_display")())
        return str(value or "")


class TargetResource(resources.ModelResource):
    """检查对象名录库: column order = the import template's and the export's."""

    credit_code = ImportField(
        "credit_code",
        "统一社会信用代码",
        synonyms=(
            "社会信用代码",
            "信用代码",
            "统一代码",
            "统一社会信用代码注册号",
            "统一社会信用代码或注册号",
            "UNISCID",
            "UNISCCODE",
            "USCC",
            "CREDITCODE",
            "TYXYDM",
            "SHXYDM",
            "TYSHXYDM",
            "XYDM",
        ),
        keywords=("信用代码",),
        widget=CreditCodeWidget(),
    )
    name = ImportField(
        "name",
        "对象名称",
        synonyms=(
            "名称",
            "企业名称",
            "单位名称",
            "主体名称",
            "市场主体名称",
            "个体工商户名称",
            "字号名称",
            "合作社名称",
            "ENTNAME",
            "QYMC",
            "ZTMC",
            "DWMC",
            "MC",
            "GTHMC",
            "ZHMC",
        ),
        keywords=("名称",),
    )
    kind = ImportField(
        "kind",
        "对象类型",
        synonyms=(
            "主体类型",
            "类型",
            "企业类型",
            "企业类型名称",
            "市场主体类型",
            "企业类别",
            "ENTTYPE",
            "ENTTYPECN",
            "ENTTYPENAME",
            "QYLX",
            "ZTLX",
            "QYLXMC",
            "SCZTLX",
            "ZTLXMC",
        ),
        keywords=("类型", "类别"),
        widget=ChoiceLabelWidget(),
    )
    region = ImportField(
        "region",
        "所属区域",
        synonyms=(
            "区域",
            "所属区划",
            "行政区划",
            "所属地区",
            "区划代码",
            "行政区划代码",
            "DOMDISTRICT",
            "XZQH",
            "SSQY",
            "住所所在行政区划",
            "住所行政区划",
            "行政区划名称",
            "所在区县",
        ),
        keywords=("区划", "区域"),
        widget=widgets.ForeignKeyWidget(Region, "code"),
    )
    address = ImportField(
        "address",
        "住所（经营场所）",
        synonyms=(
            "住所",
            "经营场所",
            "地址",
            "经营地址",
            "注册地址",
            "住所地址",
            "DOM",
            "OPLOC",
            "JYDZ",
            "ZS",
            "ZSDZ",
            "JYCS",
            "ZCDZ",
            "住所地",
        ),
        keywords=("住所", "地址", "场所"),
    )
    industry = ImportField(
        "industry",
        "行业",
        synonyms=(
            "所属行业",
            "行业门类",
            "国民经济行业",
            "行业名称",
            "INDUSTRYPHY",
            "INDUSTRYPHYCN",
            "INDUSTRY",
            "HY",
            "SSHY",
            "HYMC",
            "HYML",
        ),
        keywords=("行业",),
    )
    tags = ImportField(
        "tags",
        "分类标签",
        synonyms=("标签", "分类", "重点领域", "许可类型"),
        keywords=("标签",),
        widget=widgets.ManyToManyWidget(Tag, separator="；", field="name"),
    )
    status = ImportField(
        "status",
        "登记状态",
        synonyms=("状态", "经营状态", "企业状态", "主体状态", "REGSTATE", "REGSTATECN", "ENTSTATUS", "DJZT", "JYZT"),
        keywords=("状态",),
        widget=ChoiceLabelWidget(),
    )
    established_on = ImportField(
        "established_on",
        "成立日期",
        synonyms=("登记日期", "注册日期", "开业日期", "成立时间", "ESTDATE", "CLRQ", "ZCRQ", "KYRQ"),
        keywords=("成立",),
        widget=widgets.DateWidget("%Y-%m-%d"),
    )
    registration_number = ImportField(
        "registration_number",
        "注册号",
        synonyms=(
            "原注册号",
            "工商注册号",
            "营业执照注册号",
            "营业执照号",
            "执照号",
            "REGNO",
            "ZCH",
            "YZCH",
            "GSZCH",
            "YYZZH",
        ),
        keywords=("注册号",),
        widget=NullableCharWidget(),
    )
    identifier = ImportField(
        "identifier",
        "对象编号",
        synonyms=("编号", "其他证照号码", "许可证编号", "证照编号", "项目编号", "登记证号", "OTHERNO", "DXBH"),
        keywords=("编号",),
        widget=NullableCharWidget(),
    )
    legal_representative = ImportField(
        "legal_representative",
        "法定代表人（负责人、经营者）",
        synonyms=(
            "法定代表人",
            "负责人",
            "经营者",
            "经营者姓名",
            "法定代表人姓名",
            "执行事务合伙人",
            "投资人",
            "LEREP",
            "FDDBR",
            "FZR",
            "JYZ",
            "FRDB",
            "JYZXM",
            "FZRXM",
            "FDDBRXM",
        ),
        keywords=("法定代表", "负责人", "经营者"),
    )
    department = ImportField(
        "department",
        "维护部门",
        widget=widgets.ForeignKeyWidget(Department, "name"),
        readonly=True,
        exported=False,
    )

    # Columns of registration-system exports this registry does not keep: recognised, listed in the
    # preview as not imported. (label, synonyms)
    NOT_STORED: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("序号", ("序", "XH")),
        ("注册资本", ("注册资金", "注册资本万元", "出资额", "出资总额", "资金数额", "REGCAP", "ZCZB", "ZCZJ")),
        ("注册资本币种", ("币种", "REGCAPCUR", "REGCAPCURCN")),
        ("实收资本", ("实缴资本", "实缴出资额", "RECCAP", "SSZB", "SJZB")),
        ("经营范围", ("业务范围", "OPSCOPE", "JYFW")),
        ("登记机关", ("登记机关名称", "发照机关", "REGORG", "REGORGCN", "DJJG")),
        (
            "管辖单位",
            (
                "管辖机关",
                "属地监管所",
                "所属监管所",
                "监管所",
                "市场监管所",
                "监管机关",
                "LOCALADM",
                "LOCALADMCN",
                "GXDW",
            ),
        ),
        ("核准日期", ("发照日期", "APPRDATE", "HZRQ")),
        ("营业期限自", ("经营期限自", "经营驻在期限自", "营业期限起", "OPFROM", "YYQXZ")),
        ("营业期限至", ("经营期限至", "经营驻在期限至", "营业期限止", "OPTO", "YYQXZHI")),
        ("注销日期", ("CANDATE", "ZXRQ")),
        ("吊销日期", ("REVDATE", "DXRQ")),
        ("联系电话", ("电话", "手机", "联系方式", "TEL", "LXDH")),
        ("邮政编码", ("POSTALCODE", "YZBM")),
        ("行业代码", ("INDUSTRYCO", "HYDM")),
        ("企业类型代码", ("ENTTYPECODE", "QYLXDM")),
        ("组成形式", ("COMPFORM", "ZCXS")),
        ("从业人数", ("EMPNUM", "CYRS")),
        ("备注", ("说明", "REMARK", "BZXX")),
        ("主体身份代码", ("市场主体身份代码", "主体身份码", "内部序号", "PRIPID", "NBXH", "ZTSFDM")),
        ("法定代表人证件号码", ("证件号码", "身份证号码", "身份证号", "证件类型", "CERNO", "CERTYPE", "ZJHM")),
        ("电子邮箱", ("邮箱", "EMAIL", "DZYX")),
        ("年报年度", ("ANCHEYEAR", "NBND")),
        ("更新时间", ("数据更新时间", "更新日期", "UPDATETIME", "GXSJ")),
        ("经度", ("LONGITUDE", "JD")),
        ("纬度", ("LATITUDE", "WD")),
        ("所属街道（乡镇）", ("所属街道", "所属乡镇", "街道", "乡镇", "SSJD", "SSXZ")),
        ("网格", ("所属网格", "网格名称", "WG")),
        ("是否个体", ("个体标识", "SFGT")),
        ("数据来源", ("来源", "SJLY")),
    )

    class Meta:
        model = Target
        import_id_fields = ("credit_code",)
        fields = (
            "credit_code",
            "name",
            "kind",
            "region",
            "address",
            "industry",
            "tags",
            "status",
            "established_on",
            "registration_number",
            "identifier",
            "legal_representative",
            "department",
        )
        skip_unchanged = True
        report_skipped = False
        use_bulk = False


class InspectorResource(resources.ModelResource):
    """执法检查人员名录库."""

    name = ImportField("name", "姓名", synonyms=("人员姓名", "执法人员姓名", "检查人员", "XM"), keywords=("姓名",))
    certificate_no = ImportField(
        "certificate_no",
        "执法证号",
        synonyms=("执法证件号", "执法证编号", "证件号码", "执法证件号码", "执法证", "行政执法证号", "ZFZH"),
        keywords=("执法证",),
    )
    department = ImportField(
        "department",
        "所属部门",
        synonyms=("部门", "单位", "所在单位", "工作单位", "所属单位", "执法部门", "SSBM", "DWMC"),
        keywords=("部门", "单位"),
        widget=widgets.ForeignKeyWidget(Department, "name"),
    )
    region = ImportField(
        "region",
        "所属区域",
        synonyms=("区域", "行政区划", "所属区划", "XZQH"),
        keywords=("区划", "区域"),
        widget=widgets.ForeignKeyWidget(Region, "code"),
    )
    certificate_valid_until = ImportField(
        "certificate_valid_until",
        "执法证有效期至",
        synonyms=("有效期至", "证件有效期", "有效期", "执法证有效期", "有效截止日期", "YXQZ"),
        keywords=("有效期",),
        widget=widgets.DateWidget("%Y-%m-%d"),
    )
    expertise = ImportField(
        "expertise",
        "专业领域",
        synonyms=("专业", "擅长领域", "执法领域", "专业特长", "ZYLY"),
        keywords=("专业", "领域"),
        widget=widgets.ManyToManyWidget(Expertise, separator="；", field="name"),
    )
    status = ImportField("status", "状态", synonyms=("人员状态", "在岗状态", "ZT"), keywords=("状态",))

    NOT_STORED: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("序号", ("XH",)),
        ("性别", ("XB",)),
        ("职务", ("职级", "职称", "ZW")),
        ("联系电话", ("电话", "手机", "LXDH")),
        ("身份证号", ("身份证号码", "SFZH")),
        ("发证机关", ("FZJG",)),
        ("备注", ("BZ",)),
    )

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


def import_fields(resource: type[resources.ModelResource]) -> dict[str, ImportField]:
    """The resource's importable fields, in declaration order, by field name."""
    declared: dict[str, Any] = dict(resource.fields)
    order = list(resource._meta.fields or declared)  # Meta.fields: the layout's order
    return {
        name: declared[name]
        for name in order
        if isinstance(declared.get(name), ImportField) and declared[name].exported
    }


def column_labels(resource: type[resources.ModelResource]) -> dict[str, str]:
    """Field name -> Chinese column label, in the layout's order (templates and exports)."""
    return {name: str(f.column_name) for name, f in import_fields(resource).items()}


def header_spec(resource: type[resources.ModelResource]) -> HeaderSpec:
    """The resource's columns as the header reader matches them, recognised unstored columns included."""
    columns = [Column(name, str(f.column_name), f.synonyms, f.keywords) for name, f in import_fields(resource).items()]
    not_stored: tuple[tuple[str, tuple[str, ...]], ...] = getattr(resource, "NOT_STORED", ())
    for label, synonyms in not_stored:
        columns.append(Column(f"{NOT_STORED_PREFIX}{label}", label, synonyms, (label,)))
    return HeaderSpec(columns)
