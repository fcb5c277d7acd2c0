"""Reading bureaus' tables safely: .xlsx, old Excel .xls, and CSV/TSV text.

Files arrive as bureaus make them: a title row above a (sometimes two-row) header, merged
cells, full-width characters, stray spaces, old .xls as often as .xlsx, CSV in UTF-8 (with or
without BOM), GB18030 or Excel's "Unicode text" (UTF-16, tab-separated). Some are hostile: not
a table at all, huge, zip bombs, zips whose declared sizes lie, XML with entity declarations
(billion laughs), formula cells, control characters. `check_file` refuses those before any
parser sees the file (for .xlsx reading only the zip directory and the XML prologs), so a
refusal is quick and takes bounded memory; python-calamine then reads the cells of a workbook,
the csv module those of a text file. The same limits (size, unpacked size, rows, columns)
apply to every format. `SheetReader` reads any of them; every string cell comes out without
C0 control characters (tab and line breaks aside).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse, parse
from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

Cell = object
Row = list[object]

# An OLE2 compound document: the old .xls format (and encrypted .xlsx).
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Real spreadsheets compress about 5-20:1; a bomb compresses thousands to one.
MAX_COMPRESSION_RATIO = 200
# Small members compress arbitrarily well (a run of empty cells); don't judge them.
_RATIO_MIN_BYTES = 1024 * 1024
MAX_MEMBERS = 2_000
MAX_COLUMNS = 100
_CHUNK = 1024 * 1024

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_FORMULA = re.compile(rb"<f[\s>/]|<\w+:f[\s>/]")
_CELL_REF = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"')
# Literal prefixes (r=") let the regex engine skip ahead quickly over megabytes of cells.
_WIDE_CELL = re.compile(rb' r="([A-Z]{2,3})\d')
_LONG_ROW = re.compile(rb' r="[A-Z]{0,3}(\d{7,})"')
_ROW_TAG = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?row\b[^>]*?\br="(\d+)"')


class WorkbookRefused(Exception):  # noqa: N818 - the name other apps import
    """The file cannot be imported; str(exc) tells the user why, in Chinese."""


# C0 control characters but tab, line feed and carriage return, and DEL: never part of a cell.
_CONTROLS = dict.fromkeys([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def strip_controls(value: str) -> str:
    """The text without C0 control characters (tab and line breaks kept) and DEL."""
    return value if value.isprintable() else value.translate(_CONTROLS)


_BROKEN_ZIP = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError)


@contextmanager
def _zip_guard() -> Iterator[None]:
    """A zip whose sizes, checksums or compression lie: refused in Chinese, never an error page."""
    try:
        yield
    except _BROKEN_ZIP as exc:
        raise WorkbookRefused(_("文件已损坏（压缩包中的大小或校验值与内容不符），拒绝导入")) from exc


def _mib(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


XLSX, XLS, TEXT = "xlsx", "xls", "text"
_TEXT_PROBE = 64 * 1024


def file_format(path: Path) -> str:
    """XLSX, XLS or TEXT, from the first bytes (the name's suffix is not trusted)."""
    with Path(path).open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_OLE_MAGIC):
        return XLS
    if head.startswith(b"PK"):
        return XLSX
    return TEXT


def _check_size(path: Path) -> None:
    size = Path(path).stat().st_size
    if size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise WorkbookRefused(
            _("文件过大（%(size)s），上限为%(limit)s")
            % {"size": _mib(size), "limit": _mib(settings.IMPORT_MAX_UPLOAD_BYTES)}
        )


def check_file(path: Path) -> str:
    """Refuse anything but a plain .xlsx, .xls or CSV/TSV text of reasonable size; its format."""
    path = Path(path)
    kind = file_format(path)
    if kind == XLSX:
        check_xlsx(path)
    else:
        _check_size(path)
        if kind == TEXT:
            text_encoding(path)
    return kind


def check_xlsx(path: Path) -> None:
    """Refuse anything but a plain .xlsx of reasonable size, before any parser reads it."""
    path = Path(path)
    _check_size(path)
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_OLE_MAGIC):
        raise WorkbookRefused(_("旧版Excel（.xls）或加密的工作簿不能按.xlsx读取；加密的工作簿请取消密码后再导入"))
    if not head.startswith(b"PK") or not zipfile.is_zipfile(path):
        raise WorkbookRefused(_("文件不是Excel工作簿（.xlsx）格式"))
    try:
        with _zip_guard(), zipfile.ZipFile(path) as zf:
            _check_members(zf)
    except zipfile.BadZipFile as exc:
        raise WorkbookRefused(_("文件已损坏，无法作为Excel工作簿（.xlsx）读取")) from exc


def text_encoding(path: Path) -> str:
    """The encoding of a CSV/TSV file: UTF-16 by its BOM, else strict UTF-8 (BOM or not), else GB18030.

    The whole file is decoded (in chunks, nothing kept) with each candidate in turn: a file is
    never read with an encoding under which any of its bytes are invalid, so nothing is garbled.
    """
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(4)
    candidates = ["utf-16"] if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else ["utf-8-sig", "gb18030"]
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            with path.open("rb") as fh:
                first = True
                while chunk := fh.read(_CHUNK):
                    decoded = decoder.decode(chunk)
                    if first and decoded.count("\x00") > len(decoded) // 10:
                        raise WorkbookRefused(_("文件不是Excel工作簿（.xlsx/.xls）或CSV文本"))
                    first = False
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise WorkbookRefused(_("无法识别文件编码：请将CSV另存为UTF-8或GB18030编码，或另存为Excel工作簿后导入"))


def _check_members(zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise WorkbookRefused(_("文件结构异常（包含的部件过多），拒绝导入"))
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise WorkbookRefused(_("文件不是Excel工作簿（.xlsx）格式"))
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise WorkbookRefused(_("工作簿已加密，请取消密码后再导入"))
        total += info.file_size
        if total > settings.IMPORT_MAX_UNPACKED_BYTES:
            raise WorkbookRefused(
                _("文件解压后过大（超过%(limit)s），疑似压缩炸弹，拒绝导入")
                % {"limit": _mib(settings.IMPORT_MAX_UNPACKED_BYTES)}
            )
        if info.file_size > _RATIO_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise WorkbookRefused(_("文件压缩比异常，疑似压缩炸弹，拒绝导入"))
    for info in infos:
        if info.filename.endswith((".xml", ".rels", ".vml")):
            _check_prolog(zf, info)


def _check_prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse DTDs and entity declarations: they can only come before the root element."""
    with zf.open(info) as member:
        try:
            for _event, _elem in iterparse(member, events=("start",), forbid_dtd=True):
                break
        except DefusedXmlException as exc:
            raise WorkbookRefused(_("文件含有不允许的XML实体或文档类型定义，拒绝导入")) from exc
        except Exception as exc:  # a parse error of any kind: not a workbook we can trust
            raise WorkbookRefused(_("文件已损坏（%(part)s无法解析）") % {"part": info.filename}) from exc


def _first_sheet_member(zf: zipfile.ZipFile) -> str:
    """The zip member holding the workbook's first sheet."""
    try:
        with zf.open("xl/workbook.xml") as fh:
            workbook = parse(fh, forbid_dtd=True)
        sheet = workbook.getroot().find(f"{_NS_MAIN}sheets/{_NS_MAIN}sheet")
        if sheet is None:
            raise WorkbookRefused(_("工作簿中没有工作表"))
        rel_id = sheet.get(f"{_NS_REL}id")
        with zf.open("xl/_rels/workbook.xml.rels") as fh:
            rels = parse(fh, forbid_dtd=True)
    except (KeyError, DefusedXmlException) as exc:
        raise WorkbookRefused(_("文件不是Excel工作簿（.xlsx）格式")) from exc
    for rel in rels.getroot().iter(f"{_NS_PKG_REL}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise WorkbookRefused(_("工作簿中没有工作表"))


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def column_letter(index: int) -> str:
    """0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _scan_first_sheet(path: Path) -> None:
    """Stream the first sheet's XML once: refuse formula cells and absurd dimensions.

    calamine builds a dense grid from the extreme cell positions, so two cells at A1 and
    CV2000000 would allocate millions of empty cells: bound the grid before it is built.
    """
    max_rows = settings.IMPORT_MAX_ROWS + 20  # headers and title rows on top of the data
    with zipfile.ZipFile(path) as zf:
        member = _first_sheet_member(zf)
        try:
            fh: IO[bytes] = zf.open(member)
        except KeyError as exc:
            raise WorkbookRefused(_("工作簿中没有工作表")) from exc
        with fh:
            tail = b""
            while chunk := fh.read(_CHUNK):
                buf = tail + chunk
                found = _FORMULA.search(buf)
                if found:
                    cell = ""
                    refs = list(_CELL_REF.finditer(buf, 0, found.start()))
                    if refs:
                        cell = (refs[-1].group(1) + refs[-1].group(2)).decode()
                    if cell:
                        raise WorkbookRefused(
                            _("工作表含有公式（单元格%(cell)s）：请复制后“选择性粘贴为数值”再导入") % {"cell": cell}
                        )
                    raise WorkbookRefused(_("工作表含有公式：请复制后“选择性粘贴为数值”再导入"))
                for wide in _WIDE_CELL.finditer(buf):
                    if _column_number(wide.group(1)) > MAX_COLUMNS:
                        raise WorkbookRefused(_("工作表列数过多（超过%(n)d列）") % {"n": MAX_COLUMNS})
                for long_row in _LONG_ROW.finditer(buf):
                    if int(long_row.group(1)) > max_rows:
                        raise WorkbookRefused(
                            _("工作表行数过多（超过%(n)d行），请拆分后导入") % {"n": settings.IMPORT_MAX_ROWS}
                        )
                last_row = None
                for last_row in _ROW_TAG.finditer(buf, max(0, len(buf) - 4096)):  # noqa: B007
                    pass
                if last_row and int(last_row.group(1)) > max_rows:
                    raise WorkbookRefused(
                        _("工作表行数过多（超过%(n)d行），请拆分后导入") % {"n": settings.IMPORT_MAX_ROWS}
                    )
                tail = buf[-256:]


_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref="[A-Z]+\d+:[A-Z]+(\d+)"')


def estimate_rows(path: Path) -> int:
    """Rows of the first sheet: from an .xlsx's <dimension> element, a text's line count, or by reading it."""
    kind = file_format(path)
    if kind == TEXT:
        lines = 0
        with Path(path).open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                lines += chunk.count(b"\n")
        return lines
    if kind == XLSX:
        with _zip_guard(), zipfile.ZipFile(path) as zf, zf.open(_first_sheet_member(zf)) as fh:
            found = _DIMENSION.search(fh.read(4096))
        if found:
            return int(found.group(1))
    with SheetReader(path) as reader:
        return reader.height


def clean_text(value: object) -> str:
    """A cell as text the way a person reads it: runs of spaces (full-width too) as one, trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()
    # No NFKC here: names keep their full-width brackets; codes are normalised by their own rules.
    return " ".join(strip_controls(str(value)).split())


class SheetReader:
    """The first sheet of a checked workbook, read by python-calamine, rows produced lazily.

    calamine holds the cell grid in compact native memory (bounded by `_scan_first_sheet`);
    Python objects exist only for the rows in flight, so a million-row registry file is read
    without building a million Python lists at once. Merged cells are filled with the value
    of their top-left cell, as a person reading the sheet sees them.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.format = check_file(self.path)
        self.merges: list[tuple[int, int, int, int]] = []
        self._text_rows: int | None = None
        self._workbook: CalamineWorkbook | None = None
        if self.format == TEXT:
            self.encoding = text_encoding(self.path)
            return
        if self.format == XLSX:
            with _zip_guard():
                _scan_first_sheet(self.path)
        try:
            with _zip_guard():
                self._workbook = CalamineWorkbook.from_path(str(self.path))
                self._sheet = self._workbook.get_sheet_by_index(0)
        except (CalamineError, IndexError) as exc:
            raise WorkbookRefused(_("文件已损坏或已加密，无法读取工作表")) from exc
        except BaseException as exc:  # pyo3's PanicException: a malformed file made the reader panic
            if type(exc).__name__ != "PanicException":
                raise
            raise WorkbookRefused(_("文件已损坏，无法读取工作表")) from exc
        if self.format == XLS:
            # calamine has read the whole .xls already: bound what the rows would produce.
            if self.height > settings.IMPORT_MAX_ROWS + 20:
                raise WorkbookRefused(
                    _("工作表行数过多（超过%(n)d行），请拆分后导入") % {"n": settings.IMPORT_MAX_ROWS}
                )
            if (self._sheet.width or 0) > MAX_COLUMNS:
                raise WorkbookRefused(_("工作表列数过多（超过%(n)d列）") % {"n": MAX_COLUMNS})
        self.merges = [
            (r0, c0, r1, c1) for (r0, c0), (r1, c1) in (self._sheet.merged_cell_ranges or []) if (r0, c0) != (r1, c1)
        ]

    @property
    def height(self) -> int:
        """Rows from A1 to the last used row, title and header included."""
        if self.format == TEXT:
            if self._text_rows is None:
                self._text_rows = sum(1 for _ in self._text_iter())
            return self._text_rows
        end = self._sheet.end
        return end[0] + 1 if end else 0

    def __iter__(self) -> Iterator[Row]:
        by_start: dict[int, list[tuple[int, int, int, int]]] = {}
        for merge in self.merges:
            by_start.setdefault(merge[0], []).append(merge)
        active: list[tuple[int, int, int, object]] = []  # (last row, first col, last col, value)
        for index, values in enumerate(self._rows_from_a1()):
            row = values
            if by_start.get(index) or active:
                row = list(values)
                for _r0, c0, r1, c1 in by_start.get(index, ()):
                    value = row[c0] if c0 < len(row) else ""
                    active.append((r1, c0, c1, value))
                for _r1, c0, c1, value in active:
                    if len(row) <= c1:
                        row.extend([""] * (c1 + 1 - len(row)))
                    for col in range(c0, c1 + 1):
                        row[col] = value
                active = [a for a in active if a[0] > index]
            yield row

    def _text_iter(self) -> Iterator[Row]:
        """A CSV/TSV file's rows (tab-separated when its first lines have more tabs than commas)."""
        max_rows = settings.IMPORT_MAX_ROWS + 20
        with self.path.open(encoding=self.encoding, newline="") as fh:
            probe = fh.read(_TEXT_PROBE)
            fh.seek(0)
            lines = probe.splitlines()[:5]
            delimiter = "\t" if sum(x.count("\t") for x in lines) > sum(x.count(",") for x in lines) else ","
            try:
                for index, values in enumerate(csv.reader(fh, delimiter=delimiter)):
                    if index >= max_rows:
                        raise WorkbookRefused(
                            _("文件行数过多（超过%(n)d行），请拆分后导入") % {"n": settings.IMPORT_MAX_ROWS}
                        )
                    while values and not values[-1]:
                        values.pop()
                    if len(values) > MAX_COLUMNS:
                        raise WorkbookRefused(
                            _("文件第%(row)d行列数过多（超过%(n)d列）") % {"row": index + 1, "n": MAX_COLUMNS}
                        )
                    yield values  # type: ignore[misc]
            except csv.Error as exc:
                raise WorkbookRefused(_("CSV文件格式错误：%(error)s") % {"error": exc}) from exc

    def _rows_from_a1(self) -> Iterator[Row]:
        """calamine's rows, lazily converted, padded so that indexes count from A1."""
        if self.format == TEXT:
            yield from self._text_iter()
            return
        start = self._sheet.start
        if start is None:
            return
        _top, left = start  # iter_rows starts at row 1 but at the first used column
        pad: list[object] = [""] * left
        try:
            for values in self._sheet.iter_rows():
                row: Row = values if not left else pad + values  # type: ignore[assignment] # a new list per row
                yield row
        except (CalamineError, *_BROKEN_ZIP) as exc:
            raise WorkbookRefused(_("文件已损坏，无法读取工作表")) from exc

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()

    def __enter__(self) -> SheetReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_sheet(path: Path) -> list[list[object]]:
    """The first sheet as a list of rows from A1, merged cells filled, formula cells refused."""
    with SheetReader(path) as reader:
        return list(reader)


def _header_key(value: object) -> str:
    """Header text compared without spaces, line breaks, full-width forms or asterisks."""
    text = unicodedata.normalize("NFKC", clean_text(value))
    return "".join(text.split()).replace("*", "").replace("(", "（").replace(")", "）")


def find_header(
    rows: list[list[object]], columns: dict[str, set[str]], *, scan: int = 10
) -> tuple[int, dict[str, int]]:
    """Find the header row among the first `scan` rows (a title row may sit above it).

    `columns` maps each canonical name to the header texts accepted for it. Returns the
    header's last row index (data starts below it) and canonical name -> column index for
    the columns found. The header is where the most columns match; a two-row header (a
    merged group cell such as 抽查事项 above its sub-columns 事项名称 | 检查内容) is matched
    over both rows, a sub-column name winning over its group name in the same column.
    Raises WorkbookRefused when no row has at least half of the columns.
    """
    wanted = {name: {_header_key(text) for text in texts} | {_header_key(name)} for name, texts in columns.items()}
    best_index, best_found = -1, dict[str, int]()
    window = rows[:scan]
    for index, row in enumerate(window):
        found: dict[str, int] = {}
        last = index
        candidates = [(index, row)]
        if index + 1 < len(window):
            candidates.append((index + 1, window[index + 1]))
        # The lower row first: where a group cell and a sub-column both match, the sub-column wins.
        for row_index, candidate in reversed(candidates):
            for col, cell in enumerate(candidate):
                key = _header_key(cell)
                if not key or col in found.values():
                    continue
                for name, texts in wanted.items():
                    if name not in found and key in texts:
                        found[name] = col
                        last = max(last, row_index)
                        break
        if len(found) > len(best_found):
            best_index, best_found = last, found
    if best_index < 0 or len(best_found) * 2 < len(columns):
        expected = _("、").join(columns)
        raise WorkbookRefused(
            _("未找到表头：前%(scan)d行中没有包含“%(expected)s”等列的行，请使用导出的模板")
            % {"scan": scan, "expected": expected}
        )
    return best_index, best_found
