"""Workbooks shaped like the bureaus' files, for the import tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

from registries.importing.targets import HEADERS as TARGET_HEADERS

TITLE = "阳城县检查对象名录库（2026年11月）"


def write_xlsx(
    path: Path, rows: Sequence[Sequence[object]], merges: Sequence[str] = (), *, formulas: bool = False
) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("=") and not formulas:
                cell.data_type = "s"  # text that looks like a formula, as a user might type it
    for merge in merges:
        sheet.merge_cells(merge)
    workbook.save(path)
    return path


def target_workbook(path: Path, rows: Sequence[Sequence[object]], *, title: str = TITLE) -> Path:
    """A title row merged across the sheet, the header, then the rows."""
    return write_xlsx(path, [[title], list(TARGET_HEADERS.values()), *rows], merges=["A1:L1"])


def target_row(code: str, name: str, **extra: object) -> list[object]:
    values = {
        "kind": "企业",
        "region": "阳城县",
        "address": "阳城县凤城镇新阳东街1号",
        "industry": "批发和零售业",
        "tags": "粮食收购企业；食品经营",
        "status": "存续",
        "established_on": "2015-06-01",
        "registration_number": "",
        "identifier": "",
        "legal_representative": "",
    } | extra
    return [code, name, *(values[k] for k in list(TARGET_HEADERS)[2:])]
