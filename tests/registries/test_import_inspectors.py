from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command

from registries.importing.export import export_inspectors
from registries.importing.inspectors import HEADERS
from registries.models import Department, Inspector, InspectorStatus
from registries.services.imports import inspectors_import
from tests.registries.import_workbooks import write_xlsx

pytestmark = pytest.mark.django_db


def workbook(path: Path, rows: list[list[object]]) -> Path:
    return write_xlsx(path, [["阳城县执法检查人员名录库"], list(HEADERS.values()), *rows], merges=["A1:G1"])


def test_it_upserts_inspectors_by_certificate_number(tmp_path: Path, amr: Department) -> None:
    rows: list[list[object]] = [
        ["王伟", "14052201001", "阳城县市场监督管理局", "阳城县", dt.date(2028, 6, 30), "食品、计量", "在岗"],
        ["李娜", " 1405 2201002 ", "县市场监管局", "", "2027/12/31", "特种设备", ""],
    ]
    result = inspectors_import(path=workbook(tmp_path / "a.xlsx", rows), department=amr)
    assert (result.created, result.updated, result.rejected) == (2, 0, 0), result.errors
    li = Inspector.objects.get(certificate_no="14052201002")
    assert (li.department, li.region, li.status) == (amr, amr.region, InspectorStatus.ACTIVE)
    rows[0][6] = "调离"
    result = inspectors_import(path=workbook(tmp_path / "b.xlsx", rows), department=amr)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert Inspector.objects.get(certificate_no="14052201001").status == InspectorStatus.TRANSFERRED
    assert {e.name for e in Inspector.objects.get(certificate_no="14052201001").expertise.all()} == {"食品", "计量"}


def test_it_rejects_rows_of_another_department_and_bad_values(tmp_path: Path, amr: Department, drc: Department) -> None:
    rows: list[list[object]] = [
        ["王伟", "14052201001", "阳城县发展和改革局", "阳城县", "2028-06-30", "", "在岗"],
        ["", "14052201002", "", "", "2028-06-30", "", ""],
        ["赵敏", "14052201003", "", "", "", "", ""],
        ["孙杰", "14052201004", "", "", "2028-06-30", "", "休假"],
        ["刘洋", "14052201005", "县不存在局", "", "2028-06-30", "", ""],
    ]
    result = inspectors_import(path=workbook(tmp_path / "a.xlsx", rows), department=amr)
    assert [(e.row, e.message) for e in result.errors] == [
        (3, "所属部门“阳城县发展和改革局”不是本部门，只能导入本部门的执法检查人员"),
        (4, "姓名不能为空"),
        (5, "执法证有效期至不能为空"),
        (6, "状态“休假”无效，应为在岗、调离、退休之一"),
        (7, "所属部门“县不存在局”不存在"),
    ]
    assert Inspector.objects.count() == 0


def test_it_round_trips_from_the_command_line(
    tmp_path: Path, amr: Department, capsys: pytest.CaptureFixture[str]
) -> None:
    rows: list[list[object]] = [["王伟", "14052201001", "阳城县市场监督管理局", "阳城县", "2028-06-30", "食品", "在岗"]]
    call_command("import_inspectors", str(workbook(tmp_path / "a.xlsx", rows)), "--atomic")
    assert "新增1" in capsys.readouterr().out
    export_inspectors(tmp_path / "out.xlsx", Inspector.objects.all())
    call_command("import_inspectors", str(tmp_path / "out.xlsx"))
    assert "未变1" in capsys.readouterr().out


def test_an_inspector_list_as_a_gb18030_csv_with_other_headers_and_numeric_certificates(
    tmp_path: Path, amr: Department, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [
            ["阳城县行政执法人员名单"],
            ["序号", "执法人员姓名", "行政执法证号", "工作单位", "证件有效期", "执法领域", "在岗状态", "性别"],
            ["1", "王伟", "14052201001", "县市场监管局", "2028/6/30", "食品、计量", "在职", "男"],
            ["2", "李娜", "1.4052201002E+10", "县市场监管局", "2027年12月31日", "特种设备", "已退休", "女"],
        ]
    )
    path = tmp_path / "执法人员.csv"
    path.write_bytes(buffer.getvalue().encode("gb18030"))
    result = inspectors_import(path=path, department=amr)
    assert (result.created, result.rejected, result.unknown_columns) == (2, 0, []), result.errors
    li = Inspector.objects.get(certificate_no="14052201002")  # every digit written: recovered
    assert (li.status, str(li.certificate_valid_until)) == (InspectorStatus.RETIRED, "2027-12-31")
    maps = {c["header"]: c["maps_to"] for c in result.columns}
    assert maps["行政执法证号"] == "执法证号"
    assert maps["性别"] == "性别（本系统不保存，不导入）"


def test_an_unknown_inspector_column_fails_the_command_until_ignored(tmp_path: Path, amr: Department) -> None:
    from django.core.management import CommandError

    rows: list[list[object]] = [
        ["王伟", "14052201001", "阳城县市场监督管理局", "阳城县", "2028-06-30", "食品", "在岗", "甲"]
    ]
    path = write_xlsx(tmp_path / "a.xlsx", [[*HEADERS.values(), "考核等次"], *rows])
    with pytest.raises(CommandError, match="未识别的列：考核等次"):
        call_command("import_inspectors", str(path), "--dry-run")
    assert Inspector.objects.count() == 0
    call_command("import_inspectors", str(path), "--ignore", "考核等次")
    assert Inspector.objects.count() == 1
