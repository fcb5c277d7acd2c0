from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from registries.importing.export import export_items
from registries.models import ChecklistItem, ChecklistItemVersion, Department, ItemCategory, ItemClaim, LegalBasis
from registries.services.imports import items_import
from tests.registries.import_workbooks import write_xlsx

pytestmark = pytest.mark.django_db

FOOD_LAW = "《中华人民共和国食品安全法》第一百一十条"


def provincial_checklist(path: Path, *, grain_content: str = "收购资格、收购行为、粮食库存") -> Path:
    """Shaped like a published provincial list: title, two-row header, merged 部门/类别, continued bases."""
    rows: list[list[object]] = [
        ["山西省市场监管领域部门联合随机抽查事项清单（第二版）"],
        ["序号", "部门", "抽查类别", "抽查事项", "", "检查对象", "检查依据", "检查主体", "检查方式", "备注"],
        ["", "", "", "事项名称", "检查内容", "", "", "", "", ""],
        [
            1,
            "阳城县市场监督管理局",
            "重点检查事项",
            "食品生产企业监督检查",
            "生产环境条件、进货查验",
            "食品生产企业",
            FOOD_LAW,
            "县市场监管局",
            "实地核查、书面检查",
            "",
        ],
        ["", "", "", "", "", "", "《食品生产经营监督检查管理办法》第十条", "", "", ""],
        [
            "",
            "",
            "",
            "",
            "",
            "",
            "《食品生产许可管理办法》第四十八条；《中华人民共和国食品安全法》第一百一十条",
            "",
            "",
            "",
        ],
        [
            2,
            "",
            "",
            "特种设备使用单位检查",
            "使用登记、定期检验",
            "特种设备使用单位",
            "《中华人民共和国特种设备安全法》第五十七条",
            "县市场监管局",
            "实地核查",
            "",
        ],
        [
            3,
            "阳城县发展和改革局",
            "一般检查事项",
            "粮食收购企业检查",
            grain_content,
            "粮食收购企业",
            "《粮食流通管理条例》第四十二条",
            "县发改局",
            "实地核查 书面检查",
            "与粮食部门联合",
        ],
        [
            3,
            "阳城县发展和改革局",
            "一般检查事项",
            "粮食收购企业检查",
            grain_content,
            "粮食收购企业",
            "《粮食流通监督检查暂行办法》第八条",
            "县发改局",
            "实地核查 书面检查",
            "与粮食部门联合",
        ],
        [4, "阳城县发展和改革局", "一般检查事项", "价格监督检查", "明码标价", "经营者", "", "县发改局", "电话抽查", ""],
    ]
    return write_xlsx(
        path,
        rows,
        merges=[
            "A1:J1",
            "A2:A3",
            "B2:B3",
            "C2:C3",
            "D2:E2",
            "F2:F3",
            "G2:G3",
            "H2:H3",
            "I2:I3",
            "J2:J3",
            "B4:B7",
            "C4:C7",
            "A8:A9",
            "D8:D9",
            "E8:E9",
            "F8:F9",
        ],
    )


def test_it_imports_a_provincial_checklist_as_published(tmp_path: Path, amr: Department, drc: Department) -> None:
    result = items_import(path=provincial_checklist(tmp_path / "c.xlsx"))
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert result.errors == []
    # methods are an open vocabulary: a method the three known ones do not cover is kept as written
    assert ChecklistItemVersion.objects.get(name="价格监督检查").methods == ["电话抽查"]
    food = ChecklistItemVersion.objects.get(name="食品生产企业监督检查")
    assert food.category == ItemCategory.KEY
    assert food.methods == ["on_site", "documentary"]
    assert food.content == "生产环境条件、进货查验"
    assert sorted(str(b) for b in food.legal_bases.all()) == [
        "《中华人民共和国食品安全法》第一百一十条",
        "《食品生产经营监督检查管理办法》第十条",
        "《食品生产许可管理办法》第四十八条",
    ]
    equipment = ChecklistItemVersion.objects.get(name="特种设备使用单位检查")
    assert equipment.category == ItemCategory.KEY  # merged category cell
    assert list(ItemClaim.objects.filter(item=equipment.item).values_list("department", flat=True)) == [amr.pk]
    grain = ChecklistItemVersion.objects.get(name="粮食收购企业检查")
    assert grain.legal_bases.count() == 2  # the second came on a row repeated by merged cells
    assert LegalBasis.objects.filter(law="中华人民共和国食品安全法").count() == 1


def test_a_changed_item_gets_a_new_version_and_the_old_one_stays(
    tmp_path: Path, amr: Department, drc: Department
) -> None:
    items_import(path=provincial_checklist(tmp_path / "a.xlsx"))
    old = ChecklistItemVersion.objects.get(name="粮食收购企业检查")
    again = items_import(path=provincial_checklist(tmp_path / "b.xlsx"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    changed = items_import(path=provincial_checklist(tmp_path / "c.xlsx", grain_content="收购资格、粮食质量安全"))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 3)
    versions = list(ChecklistItemVersion.objects.filter(item=old.item).order_by("version"))
    assert [(v.version, v.content, v.superseded_at is None) for v in versions] == [
        (1, "收购资格、收购行为、粮食库存", False),
        (2, "收购资格、粮食质量安全", True),
    ]


def test_it_round_trips_its_own_export(
    tmp_path: Path, amr: Department, drc: Department, capsys: pytest.CaptureFixture[str]
) -> None:
    items_import(path=provincial_checklist(tmp_path / "a.xlsx"))
    export_items(tmp_path / "out.xlsx", ChecklistItem.objects.all())
    call_command("import_items", str(tmp_path / "out.xlsx"), "--dry-run")
    assert "未变4" in capsys.readouterr().out
    assert ChecklistItemVersion.objects.count() == 4
