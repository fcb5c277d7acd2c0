from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from registries import credit_code
from registries.importing.export import export_targets
from registries.models import Department, Target, TargetKind, TargetStatus
from registries.services.imports import targets_import
from tests.factories import enterprise_code
from tests.registries.import_workbooks import target_row, target_workbook

pytestmark = pytest.mark.django_db


def bad_check_character(code: str) -> str:
    wrong = "0" if code[-1] != "0" else "1"
    return code[:-1] + wrong


def test_it_imports_new_targets_with_tags_and_labels(tmp_path: Path, amr: Department) -> None:
    path = target_workbook(
        tmp_path / "t.xlsx",
        [
            target_row(enterprise_code(1), "阳城县晋丰粮油有限公司"),
            target_row(
                enterprise_code(2), "阳城县润泽加油站", tags="加油站", status="注销", established_on="2019年3月5日"
            ),
        ],
    )
    result = targets_import(path=path, department=amr)
    assert (result.created, result.updated, result.unchanged, result.rejected) == (2, 0, 0, 0)
    target = Target.objects.get(credit_code=enterprise_code(2))
    assert target.status == TargetStatus.CANCELLED
    assert target.kind == TargetKind.ENTERPRISE
    assert target.department == amr
    assert str(target.established_on) == "2019-03-05"
    assert [t.name for t in target.tags.all()] == ["加油站"]
    assert {t.name for t in Target.objects.get(credit_code=enterprise_code(1)).tags.all()} == {
        "粮食收购企业",
        "食品经营",
    }


def test_it_rejects_a_wrong_check_character_with_the_excel_row_number(tmp_path: Path, amr: Department) -> None:
    bad = bad_check_character(enterprise_code(3))
    path = target_workbook(
        tmp_path / "t.xlsx",
        [target_row(enterprise_code(1), "甲公司"), target_row(bad, "乙公司"), target_row(enterprise_code(4), "丙公司")],
    )
    result = targets_import(path=path, department=amr)
    # title row 1, header row 2: the bad row is Excel row 4
    assert [(e.row, e.message) for e in result.errors] == [
        (4, f"统一社会信用代码校验位错误：应为{enterprise_code(3)[-1]}，实际为{bad[-1]}")
    ]
    assert result.created == 2
    assert not Target.objects.filter(name="乙公司").exists()


def test_it_normalises_full_width_and_spaces_in_codes(tmp_path: Path, amr: Department) -> None:
    code = enterprise_code(5)
    messy = " " + " ".join(code[i : i + 6] for i in range(0, 18, 6)).translate(
        str.maketrans(
            "0123456789ABCDEFGHJKLMNPQRTUWXY", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ"
        )
    )
    path = target_workbook(tmp_path / "t.xlsx", [target_row(messy, "阳城县　宏达商贸有限公司 ")])
    result = targets_import(path=path, department=amr)
    assert result.created == 1, result.errors
    assert Target.objects.get(credit_code=code).name == "阳城县 宏达商贸有限公司"


def test_it_updates_changed_rows_and_counts_unchanged(tmp_path: Path, amr: Department) -> None:
    rows = [target_row(enterprise_code(n), f"企业{n}") for n in range(1, 6)]
    targets_import(path=target_workbook(tmp_path / "a.xlsx", rows), department=amr)
    rows[0] = target_row(enterprise_code(1), "企业1（更名）")
    rows[1] = target_row(enterprise_code(2), "企业2", tags="加油站")
    result = targets_import(path=target_workbook(tmp_path / "b.xlsx", rows), department=amr)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 3)
    assert Target.objects.get(credit_code=enterprise_code(1)).name == "企业1（更名）"
    assert [t.name for t in Target.objects.get(credit_code=enterprise_code(2)).tags.all()] == ["加油站"]


def test_it_changes_nothing_when_atomic_and_a_row_is_rejected(tmp_path: Path, amr: Department) -> None:
    path = target_workbook(
        tmp_path / "t.xlsx", [target_row(enterprise_code(1), "甲公司"), target_row("91140522MA0L0000XX", "乙公司")]
    )
    result = targets_import(path=path, department=amr, atomic=True)
    assert result.rejected == 1
    assert not result.applied
    assert Target.objects.count() == 0


def test_it_previews_without_writing(tmp_path: Path, amr: Department) -> None:
    path = target_workbook(tmp_path / "t.xlsx", [target_row(enterprise_code(1), "甲公司")])
    result = targets_import(path=path, department=amr, dry_run=True)
    assert result.created == 1
    assert Target.objects.count() == 0


def test_it_rejects_a_target_another_department_maintains(tmp_path: Path, amr: Department, drc: Department) -> None:
    targets_import(
        path=target_workbook(tmp_path / "a.xlsx", [target_row(enterprise_code(1), "甲公司")]), department=drc
    )
    result = targets_import(
        path=target_workbook(tmp_path / "b.xlsx", [target_row(enterprise_code(1), "甲公司改名")]), department=amr
    )
    assert [(e.row, e.message) for e in result.errors] == [
        (3, "该对象已由阳城县发展和改革局维护，不能由本部门导入修改")
    ]
    assert Target.objects.get().name == "甲公司"


def test_it_reports_every_kind_of_bad_row(tmp_path: Path, amr: Department) -> None:
    code = enterprise_code(1)
    path = target_workbook(
        tmp_path / "t.xlsx",
        [
            target_row(code, "甲公司"),
            target_row(code, "甲公司重复"),
            target_row(enterprise_code(2), ""),
            target_row(enterprise_code(3), "丙", kind="外星实体"),
            target_row(enterprise_code(4), "丁", region="火星"),
            target_row(enterprise_code(5), "戊", status="休眠"),
            target_row(enterprise_code(6), "己", established_on="2019-13-45"),
            target_row("", "某工程项目", kind="工程项目"),
            target_row("", "某个体户", kind="个体工商户"),
        ],
    )
    result = targets_import(path=path, department=amr)
    assert [e.row for e in result.errors] == [4, 5, 10, 11]
    assert "与第3行重复" in result.errors[0].message
    assert (result.errors[1].column, result.errors[1].message) == ("对象名称", "对象名称不能为空")
    assert result.errors[2].message == "统一社会信用代码、注册号和对象编号不能都为空"
    assert result.errors[3].message == "统一社会信用代码、注册号和对象编号不能都为空"
    # Values no rule knows land with a warning (kinds and statuses are offered for mapping), and an
    # unreadable optional cell is reported while its row lands: never a rejected row.
    assert [(w.row, w.column, w.value) for w in result.warnings] == [
        (6, "对象类型", "外星实体"),
        (7, "所属区域", "火星"),
        (8, "登记状态", "休眠"),
        (9, "成立日期", "2019-13-45"),
    ]
    assert Target.objects.get(name="丙").kind == TargetKind.ENTERPRISE  # from the credit code
    assert Target.objects.get(name="丁").region == amr.region
    assert Target.objects.get(name="己").established_on is None
    assert {(v["column"], v["value"]) for v in result.unmapped_values} == {
        ("对象类型", "外星实体"),
        ("登记状态", "休眠"),
    }


def test_it_round_trips_export_then_import_without_changes(tmp_path: Path, amr: Department) -> None:
    rows = [target_row(enterprise_code(n), f"企业{n}", tags="=HYPERLINK(1)；加油站") for n in range(1, 4)]
    rows.append(target_row("", "阳城县某某工程", kind="工程项目", identifier="GC-2026-001", established_on=""))
    targets_import(path=target_workbook(tmp_path / "a.xlsx", rows), department=amr)
    export_targets(tmp_path / "out.xlsx", Target.objects.all())
    result = targets_import(path=tmp_path / "out.xlsx", department=amr)
    assert (result.created, result.updated, result.unchanged, result.rejected) == (0, 0, 4, 0)


def test_it_neutralises_formula_injection_in_exports(tmp_path: Path, amr: Department) -> None:
    from openpyxl import load_workbook

    targets_import(
        path=target_workbook(tmp_path / "a.xlsx", [target_row(enterprise_code(1), "=cmd|' /C calc'!A0")]),
        department=amr,
    )
    export_targets(tmp_path / "out.xlsx", Target.objects.all())
    sheet = load_workbook(tmp_path / "out.xlsx").active
    assert sheet["B3"].value == "'=cmd|' /C calc'!A0"
    assert sheet["B3"].data_type == "s"


def test_it_runs_from_the_command_line_and_exits_non_zero_on_rejected_rows(
    tmp_path: Path, amr: Department, capsys: pytest.CaptureFixture[str]
) -> None:
    path = target_workbook(
        tmp_path / "t.xlsx", [target_row(enterprise_code(1), "甲公司"), target_row("91140522MA0L0000XX", "乙公司")]
    )
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_targets", str(path), "--department", "县市场监管局")
    assert exit_info.value.code == 1
    out, err = capsys.readouterr()
    assert "第4行（统一社会信用代码）：" in err
    assert "新增1" in out
    call_command("export_targets", str(tmp_path / "out.xlsx"), "--department", "县市场监管局")
    call_command("import_targets", str(tmp_path / "out.xlsx"), "--department", "县市场监管局", "--dry-run")
    assert "未变1" in capsys.readouterr().out


def test_the_credit_code_helper_makes_valid_codes() -> None:
    assert credit_code.is_valid(enterprise_code(7))


def test_it_keeps_history_of_imported_targets_on_postgres(tmp_path: Path, amr: Department) -> None:
    from django.db import connection

    rows = [target_row(enterprise_code(n), f"企业{n}") for n in range(1, 4)]
    targets_import(path=target_workbook(tmp_path / "a.xlsx", rows), department=amr)
    rows[0] = target_row(enterprise_code(1), "企业1（更名）")
    targets_import(path=target_workbook(tmp_path / "b.xlsx", rows), department=amr)
    with connection.cursor() as cur:
        cur.execute("SELECT pgh_label, name FROM registries_targetevent ORDER BY pgh_id")
        events = cur.fetchall()
    assert events == [("insert", "企业1"), ("insert", "企业2"), ("insert", "企业3"), ("update", "企业1（更名）")]


def test_it_copies_backslashes_quotes_and_tabs_into_staging_unchanged(amr: Department) -> None:
    import datetime as dt

    from django.db import connection, transaction

    from registries.importing.targets import TargetRow, copy_stage

    awkward = 'C:\\目录\t"引号"\\N，{括号}'
    rows = [
        TargetRow(
            3, "project", None, None, "XM-\\N-1", "", awkward, "张\t三", amr.region_id, "a\nb", "\\", "active",
            None, (),
        ),
        TargetRow(
            4, "enterprise", enterprise_code(4), "140522000012345", None, "123", "企业4", "", amr.region_id, "", "",
            "active", dt.date(2019, 3, 5), ('加油站,"危化"', "a\\b", "NULL", ""),
        ),
    ]  # fmt: skip
    with transaction.atomic():
        copy_stage(rows)
        with connection.cursor() as cur:
            cur.execute(
                "SELECT row, kind, credit_code, registration_number, identifier, registration_no, name,"
                " legal_representative, region_id, address, industry, status, established_on, tags"
                " FROM target_stage ORDER BY row"
            )
            staged = cur.fetchall()
        transaction.set_rollback(True)
    assert staged == [(*rows[0][:-1], []), (*rows[1][:-1], list(rows[1].tags))]
