"""The national result categories as real platforms code them (scheme 2024)."""

from django.db import migrations

SCHEME = "2024"
# (code, name, is_problem, parent code)
CATEGORIES = [
    ("01", "未发现问题", False, None),
    ("02", "违反市场监管相关规定", True, None),
    ("0201", "未按规定公示应当公示的信息", True, "02"),
    ("0202", "公示信息隐瞒真实情况、弄虚作假", True, "02"),
    ("0203", "通过登记的住所(经营场所)无法联系", True, "02"),
    ("0204", "其他违规行为", True, "02"),
    ("03", "违反食品药品管理相关规定", True, None),
    ("04", "违反质量技术监督相关规定", True, None),
    ("05", "违反其他部门相关规定", True, None),
    ("06", "发现问题经责令已改正", True, None),
    ("07", "发现问题待后续处理", True, None),
    ("08", "未发现开展本次抽查涉及的经营活动", False, None),
    ("09", "已关闭停业或正在组织清算", False, None),
    ("10", "不配合检查情节严重", True, None),
    ("11", "已注销", False, None),
    ("12", "已被吊销", False, None),
    ("13", "已被撤销", False, None),
    ("14", "已迁出", False, None),
]


def seed(apps, schema_editor):
    ResultCategory = apps.get_model("inspections", "ResultCategory")
    by_code = {}
    for order, (code, name, is_problem, parent) in enumerate(CATEGORIES):
        by_code[code] = ResultCategory.objects.create(
            scheme=SCHEME, code=code, name=name, is_problem=is_problem, parent=by_code.get(parent), order=order
        )


def unseed(apps, schema_editor):
    apps.get_model("inspections", "ResultCategory").objects.filter(scheme=SCHEME).delete()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0004_results_and_follow_up")]
    operations = [migrations.RunPython(seed, unseed)]
