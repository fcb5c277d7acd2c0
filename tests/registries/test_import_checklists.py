"""Checklists as provinces publish them: two-row headers, hundreds of merged ranges, legal bases
continued on extra rows, 事项类别 beside 抽查类别, 编制单位, joint lists naming kinds of department."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from registries.importing.items import parse_citations, parse_methods
from registries.models import (
    ChecklistItem,
    ChecklistItemVersion,
    Department,
    ItemCategory,
    ItemClaim,
    LegalBasis,
    Level,
    RegionalDepartmentAlias,
)
from registries.services.checklist import checklist_import
from tests.factories import DepartmentFactory, RegionFactory
from tests.registries.import_workbooks import write_xlsx

pytestmark = pytest.mark.django_db

LIST_CATEGORIES = ["食品安全", "特种设备安全", "工业产品质量", "计量监督", "广告监管"]
LONG_BASIS = (
    "国务院关于加强和规范事中事后监管的指导意见（国发〔2019〕18号）：" + "依法对市场主体的经营行为开展随机抽查，" * 20
)
LONG_ARTICLE = (
    "第一百二十二条 "
    + "违反本法规定，未取得食品生产经营许可从事食品生产经营活动的，由县级以上人民政府食品安全监督管理部门没收违法所得，"
    * 3
)


@pytest.fixture
def province(db) -> Department:  # type: ignore[no-untyped-def]
    shanxi = RegionFactory(code="140000", name="山西省", level=Level.PROVINCE)
    return DepartmentFactory(name="山西省市场监督管理局", level=Level.PROVINCE, region=shanxi)


def provincial_list(path: Path, items: int = 120) -> tuple[Path, list[dict[str, object]]]:
    """A province's list: title and 编制单位 rows, a two-row header, every item over 1-3 rows
    (key cells merged, one legal basis per row), 抽查类别 merged over blocks of ten items."""
    header_top = [
        "序号",
        "事项类别",
        "抽查类别",
        "抽查事项",
        "",
        "检查对象",
        "检查依据",
        "检查主体",
        "检查方式",
        "编制单位",
    ]
    header_sub = ["", "", "", "事项名称", "检查内容", "", "", "", "", ""]
    rows: list[list[object]] = [["山西省市场监管领域随机抽查事项清单（2026年版）"], ["编制单位：山西省市场监督管理局"]]
    rows += [header_top, header_sub]
    merges = ["A1:J1", "A2:J2", "D3:E3"] + [f"{c}3:{c}4" for c in "ABCFGHIJ"]
    expected: list[dict[str, object]] = []
    block_start = 5
    for n in range(1, items + 1):
        span = 1 + n % 3
        first = len(rows) + 1
        name = f"第{n}项监督检查" if n not in (7, 8) else "登记事项检查"  # 7 and 8: same name, two items
        bases = [f"《市场监督管理条例第{n}号》第{k + 1}条" for k in range(span)]
        if n == 5:
            bases[0] = LONG_BASIS
        if n == 6:
            bases[0] = f"《中华人民共和国食品安全法》{LONG_ARTICLE}"
        methods = ["实地核查、专业机构核查", "书面检查", "抽样检测 网络监测"][n % 3]
        category = "重点检查事项" if n % 2 else "一般检查事项"
        list_category = LIST_CATEGORIES[(n - 1) // 10 % len(LIST_CATEGORIES)]
        for k in range(span):
            lead = k == 0
            rows.append(
                [
                    n if lead else None,
                    category if lead else None,
                    list_category if (n - 1) % 10 == 0 and lead else None,
                    name if lead else None,
                    f"检查内容{n}" if lead else None,
                    f"检查对象{n}" if lead else None,
                    bases[k],
                    "县级以上市场监管部门" if lead else None,
                    methods if lead else None,
                    "山西省市场监督管理局" if lead else None,
                ]
            )
        last = len(rows)
        if span > 1:
            merges += [f"{c}{first}:{c}{last}" for c in "ABDEFHIJ"]
        if n % 10 == 0 or n == items:
            merges.append(f"C{block_start}:C{last}")
            block_start = last + 1
        expected.append(
            {"name": name, "category": category, "list_category": list_category, "bases": span, "first": first}
        )
    return write_xlsx(path, rows, merges), expected


def test_a_provincial_list_lands_item_by_item(tmp_path: Path, province: Department) -> None:
    path, expected = provincial_list(tmp_path / "province.xlsx")
    result = checklist_import(path=path)
    assert result.errors == []
    assert result.unknown_departments == []
    assert (result.total, result.created) == (120, 120)
    versions = {v.item.code: v for v in ChecklistItemVersion.objects.select_related("item")}
    assert len(versions) == 120
    by_row = sorted(versions.values(), key=lambda v: int(v.content.removeprefix("检查内容")))
    for version, want in zip(by_row, expected, strict=True):
        assert version.name == want["name"]
        # 事项类别 is the mark; 抽查类别 is the province's category, never read as the mark
        key = ItemCategory.KEY if want["category"] == "重点检查事项" else ItemCategory.GENERAL
        assert version.category == key
        assert version.list_category == want["list_category"]
        assert version.legal_bases.count() == want["bases"]  # every continued basis kept
        assert version.compiled_by == "山西省市场监督管理局"
    assert ItemClaim.objects.filter(department=province).count() == 120  # 编制单位 claims every item
    # two neighbouring items with the same name are two items
    assert ChecklistItemVersion.objects.filter(name="登记事项检查").count() == 2
    assert [w.row for w in result.warnings] == [expected[7]["first"]]


def test_long_legal_texts_are_kept_whole(tmp_path: Path, province: Department) -> None:
    path, _expected = provincial_list(tmp_path / "province.xlsx", items=10)
    checklist_import(path=path)
    # longer than the law column: a unique label, and the whole text as the basis's text
    assert LegalBasis.objects.filter(text=LONG_BASIS.rstrip("，")).count() == 1
    article = LegalBasis.objects.get(law="中华人民共和国食品安全法")
    assert article.text == f"《中华人民共和国食品安全法》{LONG_ARTICLE.strip().rstrip('，')}"
    assert len(article.article) <= 100


def test_check_methods_are_an_open_vocabulary() -> None:
    assert parse_methods("实地核查、专业机构核查") == ["on_site", "专业机构核查"]
    assert parse_methods("抽样检测 网络监测") == ["抽样检测", "online"]
    assert parse_methods("现场检查；书面审查。") == ["on_site", "documentary"]


def test_a_provincial_list_imports_again_unchanged(tmp_path: Path, province: Department) -> None:
    path, _expected = provincial_list(tmp_path / "province.xlsx", items=30)
    checklist_import(path=path)
    again = checklist_import(path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 30)
    assert ChecklistItem.objects.count() == 30


JOINT_HEADER = ["序号", "抽查事项", "发起部门", "配合部门", "检查对象", "检查依据", "检查方式", "事项类别", "抽查类别"]
JOINT_ROWS: list[list[object]] = [
    [
        1,
        "学校食品安全检查",
        "教育部门",
        "市场监管部门",
        "学校食堂",
        "《中华人民共和国食品安全法》第五十七条",
        "实地核查",
        "重点",
        "食品安全",
    ],
    ["", "", "", "卫生健康部门", "", "《学校食品安全与营养健康管理规定》第十条", "", "", ""],
    ["", "", "", "", "", "《餐饮服务食品安全操作规范》第五条", "", "", ""],
    [
        2,
        "校外培训机构收费检查",
        "教育部门",
        "",
        "校外培训机构",
        "《中华人民共和国民办教育促进法》第三十八条",
        "书面检查",
        "一般",
        "教育收费",
    ],
    [
        3,
        "校外培训机构收费检查",
        "市场监管部门",
        "教育部门",
        "校外培训机构",
        "《价格违法行为行政处罚规定》第七条",
        "书面检查",
        "一般",
        "教育收费",
    ],
]


def joint_csv(path: Path) -> Path:
    with path.open("w", encoding="gb18030", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["山西省部门联合随机抽查事项清单"])
        writer.writerow(JOINT_HEADER)
        writer.writerows(JOINT_ROWS)
    return path


def joint_xls(path: Path) -> Path:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("清单")
    sheet.write(0, 0, "山西省部门联合随机抽查事项清单")
    for c, value in enumerate(JOINT_HEADER):
        sheet.write(1, c, value)
    for r, row in enumerate(JOINT_ROWS, start=2):
        for c, value in enumerate(row):
            if value != "":
                sheet.write(r, c, value)
    book.save(str(path))
    return path


@pytest.fixture
def county_bureaus(amr: Department) -> dict[str, Department]:
    return {
        "教育部门": DepartmentFactory(name="阳城县教育局", region=amr.region),
        "市场监管部门": amr,
        "卫生健康部门": DepartmentFactory(name="阳城县卫生健康局", region=amr.region),
    }


@pytest.mark.parametrize("make", [joint_csv, joint_xls], ids=["csv-gb18030", "xls"])
def test_a_joint_list_names_kinds_a_county_maps_once(  # type: ignore[no-untyped-def]
    make, tmp_path: Path, county_bureaus: dict[str, Department], capsys: pytest.CaptureFixture[str]
) -> None:
    path = make(tmp_path / ("joint.csv" if make is joint_csv else "joint.xls"))
    call_command("import_items", str(path), "--department", "阳城县市场监督管理局")
    err = capsys.readouterr().err
    # the items land; each department nothing resolves is named with its row, and claims nothing
    assert "第3行：部门“教育部门”无法识别" in err and "第4行：部门“卫生健康部门”无法识别" in err
    assert "无法识别的部门（其认领未导入）：教育部门、市场监管部门、卫生健康部门" in err
    assert ChecklistItem.objects.count() == 3
    assert not ItemClaim.objects.exists()

    aliases = [f"--alias={kind}={bureau.name}" for kind, bureau in county_bureaus.items()]
    call_command("import_items", str(path), "--department", "阳城县市场监督管理局", *aliases)
    school = ChecklistItemVersion.objects.get(name="学校食品安全检查")
    assert school.category == ItemCategory.KEY
    assert school.list_category == "食品安全"
    assert school.initiating_departments == ["教育部门"]
    assert school.cooperating_departments == ["市场监管部门", "卫生健康部门"]
    assert school.legal_bases.count() == 3
    claims = set(ItemClaim.objects.filter(item=school.item).values_list("department__name", flat=True))
    assert claims == {"阳城县教育局", "阳城县市场监督管理局", "阳城县卫生健康局"}
    # same name, neighbouring rows, different departments: two items
    assert ChecklistItemVersion.objects.filter(name="校外培训机构收费检查").count() == 2
    assert ItemClaim.objects.count() == 6  # 3 + 1 (no cooperating department) + 2
    assert RegionalDepartmentAlias.objects.filter(region=county_bureaus["教育部门"].region).count() == 3

    # the next list of the same shape maps itself
    again = checklist_import(path=path, department=county_bureaus["市场监管部门"])
    assert again.unknown_departments == []
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_unknown_departments_are_created_where_their_name_says(tmp_path: Path, amr: Department) -> None:
    city = RegionFactory(code="140500", name="晋城市", level=Level.CITY)
    amr.region.parent = city
    amr.region.save()
    path = joint_csv(tmp_path / "joint.csv")
    text = path.read_text(encoding="gb18030").replace("卫生健康部门", "市卫生健康委员会")
    path.write_text(text, encoding="gb18030")
    result = checklist_import(path=path, department=amr, create_departments=True)
    assert result.applied
    health = Department.objects.get(name="市卫生健康委员会")
    assert (health.level, health.region) == (Level.CITY, city)
    education = Department.objects.get(name="教育部门")
    assert (education.level, education.region_id) == (Level.COUNTY, amr.region_id)


def test_an_unknown_column_is_refused_until_mapped_or_ignored(tmp_path: Path, amr: Department) -> None:
    rows = [
        ["序号", "事项名称", "检查对象", "事项类别", "联系电话"],
        [1, "食品经营检查", "食品经营者", "重点", "0356-4222222"],
    ]
    path = write_xlsx(tmp_path / "list.xlsx", rows)
    with pytest.raises(CommandError, match="无法识别的列：“联系电话”"):
        call_command("import_items", str(path))
    assert not ChecklistItem.objects.exists()
    call_command("import_items", str(path), "--ignore", "联系电话")
    assert ChecklistItemVersion.objects.get().name == "食品经营检查"
    with pytest.raises(CommandError, match="字段“电话”不存在"):
        call_command("import_items", str(path), "--map", "联系电话=电话")


def test_a_list_with_the_category_in_a_mark_column_of_its_own_spelling(tmp_path: Path, amr: Department) -> None:
    rows = [
        ["序号", "检查事项名称", "抽查对象", "是否重点", "抽查领域", "实施部门", "抽查频次", "备注"],
        [
            1,
            "特种设备使用单位检查",
            "特种设备使用单位",
            "是",
            "特种设备安全",
            "阳城县市场监督管理局",
            "每年1次",
            "含电梯",
        ],
        [2, "计量器具检查", "加油站", "否", "计量", "阳城县市场监督管理局", "", ""],
    ]
    result = checklist_import(path=write_xlsx(tmp_path / "list.xlsx", rows))
    assert result.errors == []
    marks = dict(ChecklistItemVersion.objects.values_list("name", "category"))
    assert marks == {"特种设备使用单位检查": ItemCategory.KEY, "计量器具检查": ItemCategory.GENERAL}
    assert set(ChecklistItemVersion.objects.values_list("list_category", flat=True)) == {"特种设备安全", "计量"}
    lift = ChecklistItemVersion.objects.get(name="特种设备使用单位检查")
    assert (lift.note, lift.extra) == ("含电梯", {"抽查频次": "每年1次"})  # every column lands


def test_bad_rows_are_reported_with_their_row_and_cell_and_nothing_is_written_on_atomic(
    tmp_path: Path, amr: Department
) -> None:
    rows = [
        ["序号", "事项名称", "检查对象", "事项类别"],
        [1, "食品经营检查", "食品经营者", "重点"],
        [2, "广告发布检查", "广告发布者", "特别"],
    ]
    path = write_xlsx(tmp_path / "list.xlsx", rows)
    result = checklist_import(path=path, atomic=True)
    assert [(e.row, e.message) for e in result.errors] == [(3, "事项类别“特别”无效，应为重点检查事项或一般检查事项")]
    assert not ChecklistItem.objects.exists()
    assert not result.applied


@given(
    st.lists(
        st.sampled_from(["中华人民共和国食品安全法", "粮食流通管理条例", "计量法实施细则"]), min_size=1, max_size=4
    )
)
def test_every_cited_law_is_kept_in_order(laws: list[str]) -> None:
    text = "；".join(f"《{law}》第{n + 1}条" for n, law in enumerate(laws))
    found = parse_citations(text)
    assert [(law, article) for law, article, _full in found] == [(law, f"第{n + 1}条") for n, law in enumerate(laws)]


def test_a_department_s_column_mapping_is_remembered(tmp_path: Path, amr: Department) -> None:
    rows = [
        ["序号", "事项名称", "检查对象", "事项类别", "联系电话"],
        [1, "食品经营检查", "食品经营者", "重点", "0356-4222222"],
    ]
    path = write_xlsx(tmp_path / "list.xlsx", rows)
    call_command("import_items", str(path), "--department", amr.name, "--ignore", "联系电话")
    call_command("import_items", str(path), "--department", amr.name, "--dry-run")
    with pytest.raises(CommandError, match="无法识别的列"):
        call_command("import_items", str(path))  # no department: nothing remembered


def test_the_staff_import_lands_the_items_and_warns_of_each_unknown_department(
    tmp_path: Path, county_bureaus: dict[str, Department]
) -> None:
    from registries.services.imports import items_import

    result = items_import(path=joint_csv(tmp_path / "joint.csv"), department=county_bureaus["市场监管部门"])
    assert result.applied and result.created == 3
    assert [(w.row, w.value) for w in result.warnings] == [(3, "教育部门"), (3, "市场监管部门"), (4, "卫生健康部门")]
    RegionalDepartmentAlias.objects.create(
        region=county_bureaus["教育部门"].region, name="教育部门", department=county_bureaus["教育部门"]
    )
    again = items_import(path=joint_csv(tmp_path / "joint.csv"), department=county_bureaus["市场监管部门"])
    assert [w.value for w in again.warnings] == ["市场监管部门", "卫生健康部门"]
    assert ItemClaim.objects.filter(department=county_bureaus["教育部门"]).count() == 3


def test_section_rows_name_the_part_of_the_list_their_items_belong_to(tmp_path: Path, amr: Department) -> None:
    rows = [
        ["序号", "事项名称", "检查对象", "事项类别", "检查依据"],
        ["一、食品安全"],
        [1, "食品生产企业检查", "食品生产企业", "重点", "《中华人民共和国食品安全法》第一百一十条"],
        ["", "", "", "", "二、《食品生产许可管理办法》第四十八条"],
        ["二、特种设备安全", "二、特种设备安全", "二、特种设备安全", "二、特种设备安全", "二、特种设备安全"],
        [2, "电梯使用单位检查", "电梯使用单位", "一般", "《中华人民共和国特种设备安全法》第五十七条"],
    ]
    result = checklist_import(path=write_xlsx(tmp_path / "list.xlsx", rows, merges=["A2:E2", "A5:E5"]))
    assert result.errors == [] and result.total == 2
    food = ChecklistItemVersion.objects.get(name="食品生产企业检查")
    assert (food.list_category, food.legal_bases.count()) == ("食品安全", 2)
    assert ChecklistItemVersion.objects.get(name="电梯使用单位检查").list_category == "特种设备安全"


def test_a_note_under_the_list_is_not_an_item(tmp_path: Path, amr: Department) -> None:
    rows = [
        ["序号", "事项名称", "检查对象", "事项类别"],
        [1, "食品经营检查", "食品经营者", "重点"],
        ["注：本清单根据法律法规立改废情况动态调整。"],
    ]
    result = checklist_import(path=write_xlsx(tmp_path / "list.xlsx", rows))
    assert result.errors == [] and result.total == 1
    assert [(w.row, w.message) for w in result.warnings] == [
        (3, "表格说明，不是抽查事项：注：本清单根据法律法规立改废情况动态调整。")
    ]


def test_methods_joined_by_plus_or_and_are_split_when_both_are_known() -> None:
    assert parse_methods("现场检查+书面审查") == ["on_site", "documentary"]
    assert parse_methods("实地核查和书面检查") == ["on_site", "documentary"]
    assert parse_methods("检验检测和专业机构核查") == ["检验检测和专业机构核查"]


def test_the_staff_preview_maps_an_unknown_column_of_a_list_then_commits(
    client: Any, alice: Any, tmp_path: Path, settings: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from registries.models import ImportJob, ImportStatus
    from registries.services.imports import import_job_map

    settings.MEDIA_ROOT = tmp_path / "media"
    rows = [
        ["序号", "事项名称", "检查对象", "事项类别", "联系电话"],
        [1, "食品经营检查", "食品经营者", "重点", "0356-1"],
    ]
    path = write_xlsx(tmp_path / "清单.xlsx", rows)
    client.force_login(alice)
    client.post(
        reverse("registries:import_list"), {"kind": "items", "file": SimpleUploadedFile(path.name, path.read_bytes())}
    )
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.PREVIEWED and not job.can_commit
    assert "联系电话" in client.get(reverse("registries:import_detail", args=[job.pk])).content.decode()
    job = import_job_map(user=alice, job=job, headers={"联系电话": "note"}, values={})
    assert job.can_commit
    client.post(reverse("registries:import_commit", args=[job.pk]))
    assert ChecklistItemVersion.objects.get().note == "0356-1"


def test_a_row_repeating_the_item_above_cell_for_cell_continues_it(tmp_path: Path, amr: Department) -> None:
    """An export that flattened merged cells repeats the item on each row of its legal bases."""
    rows = [
        ["序号", "事项名称", "检查对象", "事项类别", "检查依据"],
        [1, "食品经营检查", "食品经营者", "重点", "《中华人民共和国食品安全法》第一百一十条"],
        [1, "食品经营检查", "食品经营者", "重点", "《食品经营许可管理办法》第四十条"],
        [2, "食品经营检查", "网络食品经营者", "重点", "《网络食品安全违法行为查处办法》第三十条"],
    ]
    result = checklist_import(path=write_xlsx(tmp_path / "list.xlsx", rows))
    assert (result.total, result.created) == (2, 2)
    shop = ChecklistItemVersion.objects.get(object_type="食品经营者")
    assert shop.legal_bases.count() == 2
    assert ChecklistItemVersion.objects.get(object_type="网络食品经营者").legal_bases.count() == 1


@given(st.text(max_size=60))
def test_any_method_cell_is_kept_never_rejected(cell: str) -> None:
    methods = parse_methods(cell)
    assert all(m and len(m) <= 50 for m in methods)
    assert len(methods) == len(set(methods))
