"""Reading bureau tables (.xlsx, TSV/CSV) into rows of cells.

There is one workbook reader: `registries.importing.workbook` (type and size checks, zip
bombs, XML entities, formula cells, merged cells filled). This module only adds text tables
(TSV/CSV, UTF-8 or GB18030) and a header finder with the same contract, so callers never care
which kind of file they got. `iter_table` streams rows and stops at a row limit, so a huge file
is refused after reading no more than the limit.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from registries.importing import workbook


class TableRefusedError(Exception):
    """The file cannot be read as a table; str(exc) is a Chinese message for the user."""


TEXT_SUFFIXES = {".tsv", ".csv", ".txt"}
TABLE_SUFFIXES = TEXT_SUFFIXES | {".xlsx"}


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableRefusedError(_("无法识别文件编码，请另存为 UTF-8 文本"))


def _iter_text(path: Path) -> Iterator[list[object]]:
    text = _decode(path.read_bytes())
    delimiter = "," if path.suffix.lower() == ".csv" else "\t"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for row in reader:
            yield list(row)
    except csv.Error as exc:  # a NUL byte, a field over the csv module's limit, a broken quote
        raise TableRefusedError(
            _("第 %(row)d 行无法读取（%(error)s），请检查文件后重新导入") % {"row": reader.line_num, "error": exc}
        ) from exc


def _iter_xlsx(path: Path) -> Iterator[list[object]]:
    try:
        with workbook.SheetReader(path) as reader:
            yield from reader
    except workbook.WorkbookRefused as exc:
        raise TableRefusedError(str(exc)) from exc


def iter_table(path: Path, *, max_rows: int | None = None) -> Iterator[list[object]]:
    """The rows of the first sheet of a workbook, or of a TSV/CSV file, read lazily.

    Past `max_rows` rows (title and header included) the file is refused: nothing above the
    limit is ever read into memory.
    """
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise TableRefusedError(_("只接受 .xlsx、.tsv 或 .csv 文件"))
    rows = _iter_text(path) if suffix in TEXT_SUFFIXES else _iter_xlsx(path)
    for count, row in enumerate(rows, start=1):
        if max_rows is not None and count > max_rows:
            raise TableRefusedError(_("文件行数过多（超过 %(n)d 行），请拆分后分批导入") % {"n": max_rows})
        yield row


def read_table(path: Path) -> list[list[object]]:
    """The first sheet of a workbook, or a TSV/CSV file, as rows of cells (merged cells filled)."""
    return list(iter_table(path))


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
