"""Under the English interface, the messages an import or a draw gives are English.

Each case goes through the real service or parser; only the values quoted from the file
(cell contents, department and region names) may stay Chinese.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from inspections.matching import Need, Officer, match
from plans.departments import DepartmentResolver
from plans.errors import PlanImportError
from plans.importing import parse_file
from plans.services import plan_import
from registries.importing.workbook import WorkbookRefused, check_file
from registries.models import Department
from registries.services.imports import targets_import
from tests.factories import enterprise_code
from tests.plans.conftest import SAMPLES
from tests.registries.import_workbooks import target_row, target_workbook, write_xlsx

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
QUOTED = re.compile(r"“[^”]*”")


def assert_english(message: str, *quoted: str) -> None:
    """No Chinese left once the quoted cell values (and the given names) are taken out."""
    rest = QUOTED.sub("", message)
    for value in quoted:
        rest = rest.replace(value, "")
    assert not CJK.search(rest), message


@pytest.fixture
def english():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


def test_a_bad_credit_code_and_a_bad_date_are_rejected_in_english(
    english: None, tmp_path: Path, amr: Department
) -> None:
    code = enterprise_code(3)
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    path = target_workbook(
        tmp_path / "t.xlsx",
        [target_row(bad, "乙公司"), target_row("91140522MA0K", "丙公司")],
    )
    result = targets_import(path=path, department=amr, dry_run=True)
    messages = [e.message for e in result.errors]
    assert (
        messages[0] == f"Wrong check character in the unified social credit code: expected {code[-1]}, found {bad[-1]}"
    )
    assert messages[1] == "A unified social credit code has 18 characters, this one has 12"
    assert str(result.errors[0]).startswith("Row 3 (")
    for error in result.errors:
        assert_english(str(error), error.column)


def test_a_file_that_is_no_workbook_is_refused_in_english(english: None, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(WorkbookRefused) as refused:
        check_file(path)
    assert_english(str(refused.value))


def test_plan_table_errors_and_warnings_are_english(english: None, drc: Department, amr: Department) -> None:
    parsed = parse_file(SAMPLES / "plan-2022-county-drc.tsv", year=2023, resolve=DepartmentResolver(drc, None))
    assert parsed.all_errors[0] == "Row 2: Inspection period “2022. 3-2022. 11” is not within the year 2023"
    for message in parsed.all_errors:
        assert_english(message)


def test_an_unknown_department_of_a_plan_table_is_named_in_english(
    english: None, drc: Department, amr: Department
) -> None:
    with pytest.raises(PlanImportError) as refused:
        plan_import(path=SAMPLES / "plan-2022-county-drc.tsv", year=2022, owner=drc, user=None)
    assert refused.value.messages == ["Departments not recognised: 统计局"]


def test_a_matching_shortfall_is_english() -> None:
    day = dt.date(2026, 10, 31)
    pool = [Officer(id=1, key="K1", department_id=1, region_id=10)]
    wanted = [Need(key="T1", region_id=10, regions=frozenset({10}), departments={1: frozenset()}, lead_department_id=1)]
    result = match(
        seed="00" * 32,
        needs=wanted,
        officers=pool,
        on=day,
        department_names={1: "阳城县市场监督管理局"},
        region_names={10: "阳城县"},
    )
    (shortfall,) = result.shortfalls
    with translation.override("en"):
        message = shortfall.message
    assert message.startswith(
        "阳城县市场监督管理局 in 阳城县 has too few available inspectors: a team needs at least 2"
    )
    assert_english(message, "阳城县市场监督管理局", "阳城县")
    assert shortfall.message.startswith("阳城县市场监督管理局在阳城县可参加检查的执法人员不足")  # read in Chinese


def test_the_import_command_speaks_english(
    english: None, tmp_path: Path, amr: Department, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown = write_xlsx(
        tmp_path / "u.xlsx",
        [["统一社会信用代码", "企业名称", "年检情况X"], [enterprise_code(1), "阳城县晋丰粮油有限公司", "无"]],
    )
    with pytest.raises(CommandError) as refused:
        call_command("import_targets", str(unknown), "--department", "县市场监管局", "--dry-run")
    assert str(refused.value).startswith("Unrecognised columns: 年检情况X. Map them with --map")
    assert_english(str(refused.value), "年检情况X")
    capsys.readouterr()

    good = target_workbook(tmp_path / "t.xlsx", [target_row(enterprise_code(1), "阳城县晋丰粮油有限公司")])
    call_command("import_targets", str(good), "--department", "县市场监管局", "--dry-run")
    out = capsys.readouterr().out
    assert "1 rows: 1 created, 0 updated, 0 unchanged, 0 rejected, 0 with notes (preview, nothing written)" in out
