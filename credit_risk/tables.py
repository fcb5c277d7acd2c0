"""Reading bureau tables (.xlsx, TSV/CSV) into rows of cells.

Workbooks go through `registries.importing.workbook` (the safety checks, merged cells
filled); this module adds text tables and a header finder with the same contract, so
callers never care which kind of file they got.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

from django.utils.translation import gettext as _


class TableRefusedError(Exception):
    """The file cannot be read as a table; str(exc) is a Chinese message for the user."""


TEXT_SUFFIXES = {".tsv", ".csv", ".txt"}


def _workbook_module():  # type: ignore[no-untyped-def]
    try:
        from registries.importing import workbook
    except ImportError:  # pragma: no cover - helper A's module not there yet
        return None
    return workbook


def _read_xlsx_fallback(path: Path) -> list[list[object]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=False, data_only=False)
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    for merged in ws.merged_cells.ranges:
        value = rows[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, merged.max_row):
            for c in range(merged.min_col - 1, merged.max_col):
                rows[r][c] = value
    for r_index, row in enumerate(rows, start=1):
        for cell in row:
            if isinstance(cell, str) and cell.startswith("="):
                raise TableRefusedError(_("第 %(row)d 行含有公式，请另存为数值后再导入") % {"row": r_index})
    return rows


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableRefusedError(_("无法识别文件编码，请另存为 UTF-8 文本"))


def read_table(path: Path) -> list[list[object]]:
    """The first sheet of a workbook, or a TSV/CSV file, as rows of cells (merged cells filled)."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        text = _decode(path.read_bytes())
        delimiter = "\t" if suffix != ".csv" else ","
        return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    if suffix != ".xlsx":
        raise TableRefusedError(_("只接受 .xlsx、.tsv 或 .csv 文件"))
    workbook = _workbook_module()
    if workbook is not None:
        try:
            workbook.check_xlsx(path)
            return workbook.read_sheet(path)
        except workbook.WorkbookRefused as exc:
            raise TableRefusedError(str(exc)) from exc
    return _read_xlsx_fallback(path)


def normalise_header(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(text.split())


def find_header(
    rows: list[list[object]], columns: dict[str, set[str]], *, scan: int = 10
) -> tuple[int, dict[str, int]]:
    """The header row below any title rows, and the column of each canonical name found in it."""
    wanted = {name: {normalise_header(t) for t in texts} for name, texts in columns.items()}
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(rows[:scan]):
        found: dict[str, int] = {}
        for col, cell in enumerate(row):
            text = normalise_header(cell)
            for name, texts in wanted.items():
                if text in texts and name not in found:
                    found[name] = col
        if found and (best is None or len(found) > len(best[1])):
            best = (index, found)
    if best is None or len(best[1]) < 2:
        raise TableRefusedError(_("在前 %(n)d 行中找不到表头") % {"n": scan})
    return best
