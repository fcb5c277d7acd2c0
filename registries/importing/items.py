"""The item checklist (随机抽查事项清单) workbook, as provinces publish it.

Lists arrive with title rows (one may say 编制单位：…), one- or two-row headers (a merged
抽查事项 group above 事项名称 | 检查内容), and columns in many spellings: columns are found by
`registries.importing.columns`, never guessed, and a column that names nothing known is
refused until the user maps or ignores it.

Two columns must never be confused: 事项类别 holds the mark 重点/一般 (key or general item);
抽查类别 holds a category of the province's list (市场监管领域, 食品安全…), stored as written.
A list that has only 抽查类别 and writes 重点检查事项/一般检查事项 in it (our own export) is
read as the mark.

One item may span several rows. A row continues the item above when its key cells (序号,
事项名称, 事项编码) are blank, or in .xlsx covered by a merged cell from above; its legal
bases (检查依据), departments and methods are added to the item. Two rows that each write a
name are two items, even when the names repeat.

Departments named in 部门, 编制单位, 发起部门 and 配合部门 claim the item. Provincial joint
lists name kinds of department (教育部门) that a region maps once to its own bureau
(RegionalDepartmentAlias). Methods, categories and names are open vocabularies: known
method spellings map to the three methods, any other is kept, normalised. An item is keyed
by its 事项编码; a list without one is keyed by department and name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from registries.importing.common import Rejected, RowError, cell, is_blank, text
from registries.importing.headers import Column, ColumnMatch, Header, HeaderSpec, find_header
from registries.importing.workbook import TEXT, XLS, SheetReader
from registries.models import (
    ChecklistItem,
    ChecklistItemVersion,
    Department,
    InspectionMethod,
    ItemCategory,
    ItemClaim,
    LegalBasis,
    User,
)

ITEM_COLUMNS = HeaderSpec(
    [
        Column("code", "事项编码", ("编码", "事项代码", "事项编号"), ("编码", "代码")),
        Column("number", "序号", ("编号",)),
        Column(
            "departments",
            "部门",
            ("实施部门", "认领部门", "抽查部门", "责任部门", "主管部门", "监管部门", "执法部门", "部门名称"),
        ),
        Column("compiled_by", "编制单位", ("编制部门", "制定单位", "制定部门"), ("编制",)),
        Column("initiator", "发起部门", ("牵头部门", "发起单位", "牵头单位"), ("发起", "牵头")),
        Column("cooperating", "配合部门", ("参与部门", "联合部门", "配合单位", "参与单位"), ("配合", "参与")),
        Column(
            "category", "事项类别", ("事项类型", "重点/一般", "是否重点", "重点事项/一般事项", "事项性质"), ("重点",)
        ),
        Column(
            "list_category",
            "抽查类别",
            ("类别", "抽查领域", "事项分类", "领域", "抽查事项类别", "所属领域"),
            ("类别", "领域", "分类"),
        ),
        Column("name", "事项名称", ("抽查事项", "抽查事项名称", "检查事项", "检查事项名称", "检查项目"), ("事项",)),
        Column("content", "检查内容", ("抽查内容", "检查要点", "检查项目内容"), ("内容",)),
        Column("object_type", "检查对象", ("抽查对象", "检查对象范围", "抽查对象范围"), ("对象",)),
        Column("legal_basis", "检查依据", ("抽查依据", "法律依据", "依据"), ("依据",)),
        Column("inspecting_body", "检查主体", ("抽查主体", "实施主体", "执法主体"), ("主体",)),
        Column("methods", "检查方式", ("抽查方式", "检查方法", "抽查方法"), ("方式", "方法")),
        Column("note", "备注", ("说明",)),
        # columns some lists carry that no field of an item holds: kept as written in `extra`
        Column(
            "ratio",
            "抽查比例",
            ("检查比例", "抽查比例及频次", "抽查比例和频次", "比例及频次", "抽查比例频次"),
            ("比例",),
        ),
        Column("frequency", "抽查频次", ("检查频次", "抽查频率"), ("频次", "频率")),
        Column("level", "实施层级", ("抽查层级", "层级", "实施层级"), ("层级",)),
        Column("directed", "抽查类型", ("定向/不定向", "是否定向"), ("定向",)),
        Column("scope", "抽查范围", ("检查范围",), ("范围",)),
        Column("subject_kind", "检查对象类型", ("对象类型",), ()),
    ]
)
EXTRA_COLUMNS = ("ratio", "frequency", "level", "directed", "scope", "subject_kind")
HEADERS = {c.field: c.label for c in ITEM_COLUMNS.columns.values()}
COLUMNS: dict[str, set[str]] = {c.field: {c.label, *c.synonyms} for c in ITEM_COLUMNS.columns.values()}
KEY_COLUMNS = ("code", "number", "name")
# Columns a list merges over many items; .xls and CSV leave the lower cells blank.
# (Not 配合部门: an item may have none, and a blank cell says so.)
GROUP_COLUMNS = ("departments", "compiled_by", "category", "list_category", "initiator")
DEPARTMENT_COLUMNS = ("departments", "compiled_by", "initiator", "cooperating")

_METHODS = {
    "实地核查": InspectionMethod.ON_SITE,
    "实地检查": InspectionMethod.ON_SITE,
    "现场检查": InspectionMethod.ON_SITE,
    "现场核查": InspectionMethod.ON_SITE,
    "实地抽查": InspectionMethod.ON_SITE,
    "现场抽查": InspectionMethod.ON_SITE,
    "书面检查": InspectionMethod.DOCUMENTARY,
    "书面核查": InspectionMethod.DOCUMENTARY,
    "书面审查": InspectionMethod.DOCUMENTARY,
    "书面抽查": InspectionMethod.DOCUMENTARY,
    "网络监测": InspectionMethod.ONLINE,
    "网络核查": InspectionMethod.ONLINE,
    "网络检查": InspectionMethod.ONLINE,
    "网络抽查": InspectionMethod.ONLINE,
    "网上核查": InspectionMethod.ONLINE,
}
_METHOD_SPLIT = re.compile(r"[、，,；;/／+＋\s]+")
_METHOD_JOINERS = re.compile(r"和|或|及|与|以及")
_DEPARTMENT_SPLIT = re.compile(r"[、，,；;\n]+")
_CITATION = re.compile(r"《(?P<law>[^》]+)》(?P<article>[^《]*)")
_NUMBERING = re.compile(r"^[\s\d.、:：;；,，()（）一二三四五六七八九十]*")
_COMPILED_BY = re.compile(r"编制(?:单位|部门)\s*[:：]\s*(?P<name>[^\s，,；;]+)")
LAW_MAX, ARTICLE_MAX = 200, 100


@dataclass
class ItemRow:
    row: int
    code: str
    number: str
    departments: list[str]
    category: str
    name: str
    content: str
    object_type: str
    inspecting_body: str
    methods: list[str]
    citations: list[tuple[str, str, str]] = field(default_factory=list)  # (law, article, full text if cut)
    list_category: str = ""
    compiled_by: str = ""
    initiators: list[str] = field(default_factory=list)
    cooperators: list[str] = field(default_factory=list)
    note: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    # version fields the file has no column for: an import keeps what the item had
    absent: tuple[str, ...] = ()

    @property
    def claimants(self) -> list[str]:
        names = [*self.departments, *([self.compiled_by] if self.compiled_by else []), *self.initiators]
        return list(dict.fromkeys([*names, *self.cooperators]))


@dataclass
class ParsedItems:
    rows: list[ItemRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    total: int = 0
    headers: list[ColumnMatch] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    departments: dict[str, int] = field(default_factory=dict)  # every name -> first row naming it
    header: Header | None = None


# --- cells -----------------------------------------------------------------------------


def _norm(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).split())


def _fit(value: str, limit: int) -> tuple[str, bool]:
    """A value that fits its column; a longer one is shortened to a unique label (the full text is kept)."""
    if len(value) <= limit:
        return value, False
    digest = hashlib.sha256(value.encode()).hexdigest()[:8]
    return f"{value[: limit - 10]}…{digest}", True


def parse_citations(raw: str) -> list[tuple[str, str, str]]:
    """`《中华人民共和国食品安全法》第一百一十条；《...》` -> [(law, article, full text)], in order, no duplicates.

    Nothing is cut: a law name or article longer than its column keeps its whole text as the
    basis's text. Prose before the first 《 (a regulation cited without brackets) is a basis too."""
    raw = raw.strip()
    found: list[tuple[str, str, str]] = []
    first = raw.find("《")
    lead = _NUMBERING.sub("", raw[:first] if first >= 0 else raw).strip(" ：:，,；;。、\n")
    if lead and (first < 0 or len(lead) >= 4):
        law, cut = _fit(lead, LAW_MAX)
        found.append((law, "", lead if cut else ""))
    for match in _CITATION.finditer(raw):
        law_text = match["law"].strip()
        article_text = match["article"].strip(" ：:，,；;。、\n")
        article_text = _NUMBERING.sub("", article_text[::-1])[::-1].strip(" ：:，,；;。、\n") or article_text
        law, law_cut = _fit(law_text, LAW_MAX)
        article, article_cut = _fit(article_text, ARTICLE_MAX)
        full = f"《{law_text}》{article_text}" if law_cut or article_cut else ""
        found.append((law, article, full))
    return list(dict.fromkeys(found))


def parse_category(raw: str) -> str:
    """事项类别: 重点…/一般… (or 是/否 in a 是否重点 column) -> key/general."""
    value = _norm(raw).replace(" ", "")
    if value.startswith("重点") or value in {"是", "√", "重"}:
        return str(ItemCategory.KEY)
    if value.startswith("一般") or value in {"否", "×", "非重点"}:
        return str(ItemCategory.GENERAL)
    raise Rejected(
        _("事项类别“%(value)s”无效，应为重点检查事项或一般检查事项") % {"value": raw}, column="事项类别", value=raw
    )


def parse_methods(raw: str) -> list[str]:
    """Methods as a list writes them: known spellings to the three methods, any other kept, normalised.

    `实地核查、书面检查`, `现场检查+书面审查`; `实地核查和书面检查` is split only when both parts are known."""
    methods: list[str] = []
    for word in filter(None, _METHOD_SPLIT.split(_norm(raw))):
        part = word.strip("。.")
        if not part:
            continue
        known = _METHODS.get(part)
        if known is None:
            pieces = [p for p in _METHOD_JOINERS.split(part) if p]
            if len(pieces) > 1 and all(p in _METHODS for p in pieces):
                methods.extend(str(_METHODS[p]) for p in pieces)
                continue
        methods.append(str(known) if known is not None else part[:50])
    return list(dict.fromkeys(methods))


def split_department_names(raw: str) -> list[str]:
    """Department names in a cell: separated by 、，,；; and line breaks (a name keeps its inner spaces)."""
    names = (" ".join(n.split()) for n in _DEPARTMENT_SPLIT.split(unicodedata.normalize("NFKC", raw)))
    return list(dict.fromkeys(n for n in names if n))


_SECTION_NUMBER = re.compile(r"^[（(]?[一二三四五六七八九十]+[)）、.．]\s*")


def _section_heading(values: list[object]) -> str:
    """A row holding one text only, merged across the sheet or numbered 一、…: a part of the list."""
    texts = [text(v) for v in values if text(v)]
    if not texts or len(set(texts)) != 1:
        return ""
    heading = texts[0]
    if "《" in heading or len(heading) > 30:
        return ""  # a legal basis continued on a row of its own, not a heading
    return heading if len(texts) >= 2 or _SECTION_NUMBER.match(heading) else ""


def _code(departments: list[str], name: str, occurrence: int = 1) -> str:
    seed = f"{'、'.join(departments)}|{name}" + (f"|#{occurrence}" if occurrence > 1 else "")
    return f"X{hashlib.sha256(seed.encode()).hexdigest()[:12].upper()}"


# --- reading ---------------------------------------------------------------------------


def read_rows(path: Path) -> tuple[list[list[object]], set[tuple[int, int]] | None]:
    """Rows from A1 (merged cells filled) and the cells covered by a merge from a row above
    (None for a file without merged ranges, text or .xls saved without them: there a blank
    department or category cell of an item is the value above, a merge flattened)."""
    with SheetReader(path) as reader:
        rows = list(reader)
        if reader.format == TEXT or (reader.format == XLS and not reader.merges):
            return rows, None
        covered = {(r, c) for r0, c0, r1, c1 in reader.merges for r in range(r0 + 1, r1 + 1) for c in range(c0, c1 + 1)}
        return rows, covered


# --- parsing ---------------------------------------------------------------------------


def parse_items(
    path: Path,
    *,
    overrides: Mapping[str, str] | None = None,
    compiled_by: str = "",
) -> ParsedItems:
    """Every item of the list; rejected rows with their reason; nothing written."""
    rows, covered = read_rows(path)
    return parse_item_rows(rows, covered, overrides=overrides, compiled_by=compiled_by)


def parse_item_rows(
    rows: list[list[object]],
    covered: set[tuple[int, int]] | None = None,
    *,
    overrides: Mapping[str, str] | None = None,
    compiled_by: str = "",
) -> ParsedItems:
    """`covered`: cells under a merge from above (a workbook); None for a text table, where a
    blank department or category cell of an item repeats the one above (a merge flattened)."""
    fill_down = covered is None
    covered = covered or set()
    match = find_header(rows, ITEM_COLUMNS, overrides=overrides)
    cols = match.fields
    parsed = ParsedItems(headers=match.columns, unknown_columns=[c.header for c in match.unknown])
    parsed.header = match
    if match.unknown:
        return parsed  # nothing is read until every column is mapped or ignored
    missing = [HEADERS[c] for c in ("name",) if c not in cols]
    if missing:
        raise Rejected(_("表头缺少列：%(columns)s") % {"columns": _("、").join(missing)})
    if not compiled_by:
        for row in rows[: match.rows[0]]:
            for value in row:
                if found := _COMPILED_BY.search(text(value)):
                    compiled_by = found["name"]
    # Only 抽查类别, holding 重点/一般 (our own export): that column is the mark.
    mark_in_list_category = "category" not in cols and "list_category" in cols
    if "category" not in cols and not mark_in_list_category:
        parsed.warnings.append(
            RowError(match.data_start, _("表中没有“事项类别”列，事项均按一般检查事项导入"), "事项类别")
        )
    keys = [c for c in KEY_COLUMNS if c in cols]
    sources = {
        "list_category": "category" in cols and "list_category" in cols,
        "compiled_by": "compiled_by" in cols or bool(compiled_by),
        "initiating_departments": "initiator" in cols,
        "cooperating_departments": "cooperating" in cols,
        "note": "note" in cols,
        "extra": any(c in cols for c in EXTRA_COLUMNS),
    }
    absent = tuple(name for name, present in sources.items() if not present)

    def raw(values: list[object], name: str) -> str:
        return str(cell(values, cols.get(name)) or "").strip()

    current: ItemRow | None = None  # the item continuation rows add to (None: the item was rejected)
    item_cells: dict[str, str] = {}  # the cells of the last item row, as written
    started = False
    group: dict[str, str] = {}
    names_seen: dict[tuple[tuple[str, ...], str], int] = {}
    codes: dict[str, int] = {}
    for index in range(match.data_start, len(rows)):
        values, number = rows[index], index + 1
        if is_blank(values):
            continue
        if _norm(raw(values, "name")) in {HEADERS["name"], "抽查事项"} and raw(values, "number") in {"序号", ""}:
            continue  # the header repeated on a new page
        if heading := _section_heading(values):
            # 一、食品安全 across the sheet: the items below belong to that part of the list
            if "list_category" not in cols:
                group["section"] = _SECTION_NUMBER.sub("", heading)
            continue
        filled = [(i, text(v)) for i, v in enumerate(values) if text(v)]
        if (
            len(filled) == 1
            and not filled[0][1].isdigit()
            and (filled[0][0] not in cols.values() or filled[0][0] == cols.get("number"))
        ):
            # 注：…, 制表人：… under the table: a note, not an item nor more of the item above
            parsed.warnings.append(RowError(number, _("表格说明，不是抽查事项：%(text)s") % {"text": filled[0][1]}))
            continue
        own_keys = [k for k in keys if raw(values, k) and (index, cols[k]) not in covered]
        row_cells = {c: raw(values, c) for c in cols if c != "legal_basis"}
        # A merge flattened by an export: the row repeats the item above cell for cell, save its
        # legal basis. Two items of the same name differ in some other cell (序号 at least).
        repeated = bool(item_cells) and all(v == item_cells.get(c, "") for c, v in row_cells.items() if v)
        if started and (not own_keys or repeated):
            if current is not None:
                _continue(current, values, raw, number=number, parsed=parsed)
            continue
        started = True
        item_cells = row_cells
        parsed.total += 1
        try:
            if not fill_down:
                section = group.get("section", "")
                group.clear()
                group["section"] = section
            current = _item(
                values,
                raw,
                number=number,
                cols=cols,
                group=group,
                compiled_by=compiled_by,
                mark_in_list_category=mark_in_list_category,
                parsed=parsed,
            )
            if not current.code:
                owners = current.departments or current.initiators or ([compiled_by] if compiled_by else [])
                identity = (tuple(owners), current.name)
                occurrence = names_seen.get(identity, 0) + 1
                names_seen[identity] = occurrence
                current.code = _code(owners, current.name, occurrence)
                if occurrence > 1:
                    parsed.warnings.append(
                        RowError(
                            number,
                            _("事项名称“%(name)s”与上方事项相同，作为另一个事项导入") % {"name": current.name},
                            "事项名称",
                            current.name,
                        )
                    )
            first = codes.setdefault(current.code, number)
            if first != number:
                raise Rejected(
                    _("事项编码“%(code)s”与第%(row)d行重复") % {"code": current.code, "row": first},
                    column="事项编码",
                    value=current.code,
                )
        except Rejected as exc:
            parsed.errors.append(RowError(number, str(exc), exc.column, exc.value))
            current = None
            continue
        current.absent = absent
        parsed.rows.append(current)
        for name in current.claimants:
            parsed.departments.setdefault(name, number)
    for item in parsed.rows:
        if not item.object_type:
            parsed.warnings.append(RowError(item.row, _("检查对象为空"), "检查对象"))
    return parsed


def _item(
    values: list[object],
    raw: Callable[[list[object], str], str],
    *,
    number: int,
    cols: dict[str, int],
    group: dict[str, str],
    compiled_by: str,
    mark_in_list_category: bool,
    parsed: ParsedItems,
) -> ItemRow:
    # group columns merged over many items: a blank cell (in .xls or CSV) is the value above
    for name in GROUP_COLUMNS:
        if name in cols:
            value = raw(values, name)
            if value:
                group[name] = value
    name = _norm(raw(values, "name"))
    if not name:
        raise Rejected(_("事项名称为空"), column="事项名称")
    if len(name) > 300:
        raise Rejected(
            _("事项名称过长（%(n)d个字，最多%(max)d个字）") % {"n": len(name), "max": 300},
            column="事项名称",
            value=name,
        )
    list_category = _norm(group.get("list_category", "") or group.get("section", ""))
    category_raw = group.get("category", "")
    if mark_in_list_category:
        category_raw, list_category = list_category, ""
        try:
            category = parse_category(category_raw)
        except Rejected:
            # a category of the province's list after all: keep it, the mark is unknown
            category, list_category = str(ItemCategory.GENERAL), category_raw
            parsed.warnings.append(
                RowError(
                    number,
                    _("抽查类别“%(value)s”不是重点/一般，已作为抽查类别保存，事项按一般检查事项导入")
                    % {"value": category_raw},
                    "抽查类别",
                    category_raw,
                )
            )
    elif "category" in cols:
        if not category_raw:
            raise Rejected(_("事项类别为空，应为重点检查事项或一般检查事项"), column="事项类别")
        category = parse_category(category_raw)
    else:
        category = str(ItemCategory.GENERAL)
    code = _norm(raw(values, "code")).replace(" ", "")
    if len(code) > 50:
        raise Rejected(
            _("事项编码“%(code)s”过长（最多%(max)d个字符）") % {"code": code, "max": 50}, column="事项编码", value=code
        )
    object_type = _norm(raw(values, "object_type"))
    body = _norm(raw(values, "inspecting_body"))
    if len(object_type) > 300:
        raise Rejected(
            _("检查对象过长（%(n)d个字，最多%(max)d个字）") % {"n": len(object_type), "max": 300},
            column="检查对象",
            value=object_type,
        )
    if len(body) > 200:
        raise Rejected(
            _("检查主体过长（%(n)d个字，最多%(max)d个字）") % {"n": len(body), "max": 200},
            column="检查主体",
            value=body,
        )
    compiled = _norm(group.get("compiled_by", "")) or compiled_by
    return ItemRow(
        row=number,
        code=code,
        number=_norm(raw(values, "number")),
        departments=split_department_names(group.get("departments", "")),
        category=category,
        name=name,
        content=raw(values, "content"),
        object_type=object_type,
        inspecting_body=body,
        methods=parse_methods(raw(values, "methods")),
        citations=parse_citations(raw(values, "legal_basis")),
        list_category=list_category[:200],
        compiled_by=compiled[:200],
        initiators=split_department_names(group.get("initiator", "")),
        cooperators=split_department_names(raw(values, "cooperating")),
        note=raw(values, "note"),
        extra={HEADERS[c]: raw(values, c) for c in EXTRA_COLUMNS if c in cols and raw(values, c)},
    )


def _continue(
    item: ItemRow,
    values: list[object],
    raw: Callable[[list[object], str], str],
    *,
    number: int,
    parsed: ParsedItems,
) -> None:
    """A continuation row: its legal bases, departments, methods and content join the item above."""
    for citation in parse_citations(raw(values, "legal_basis")):
        if citation not in item.citations:
            item.citations.append(citation)
    for attr, column in (("departments", "departments"), ("initiators", "initiator"), ("cooperators", "cooperating")):
        names: list[str] = getattr(item, attr)
        for name in split_department_names(raw(values, column)):
            if name not in names:
                names.append(name)
                parsed.departments.setdefault(name, number)
    for method in parse_methods(raw(values, "methods")):
        if method not in item.methods:
            item.methods.append(method)
    for attr, column in (("content", "content"), ("note", "note")):
        more, old = raw(values, column), getattr(item, attr)
        if more and more not in old:
            setattr(item, attr, f"{old}\n{more}" if old else more)


# --- writing ---------------------------------------------------------------------------


def write_items(
    rows: list[ItemRow],
    *,
    actor: User | None,
    resolve: Callable[[str], int | None] | None = None,
) -> tuple[int, int, int]:
    """New items and changed items get a version; unchanged ones are left alone. In a transaction.

    Each department the row names (resolved by `resolve`, name -> department id) claims the item."""
    if resolve is None:
        from registries.importing.department_names import DepartmentNames

        resolve = DepartmentNames()
    created = updated = unchanged = 0
    now = timezone.now()
    for r in rows:
        bases = []
        for law, article, full in r.citations:
            basis, _new = LegalBasis.objects.get_or_create(law=law, article=article, defaults={"text": full})
            bases.append(basis)
        values = {
            "name": r.name,
            "category": r.category,
            "object_type": r.object_type,
            "inspecting_body": r.inspecting_body,
            "content": r.content,
            "methods": r.methods,
            "list_category": r.list_category,
            "compiled_by": r.compiled_by,
            "initiating_departments": r.initiators,
            "cooperating_departments": r.cooperators,
            "note": r.note,
            "extra": r.extra,
        }
        item, is_new = ChecklistItem.objects.get_or_create(code=r.code)
        # Lock the item: a concurrent import or edit would otherwise also create version n+1.
        ChecklistItem.objects.select_for_update().filter(pk=item.pk).first()
        current = item.versions.filter(superseded_at__isnull=True).prefetch_related("legal_bases").first()
        if current is not None:
            values.update({name: getattr(current, name) for name in r.absent if not values[name]})
            same = all(getattr(current, f) == v for f, v in values.items())
            if same and {b.pk for b in current.legal_bases.all()} == {b.pk for b in bases}:
                unchanged += 1
                _claim(item, r.claimants, resolve, actor)
                continue
            ChecklistItemVersion.objects.filter(pk=current.pk).update(superseded_at=now)
        last = item.versions.order_by("-version").values_list("version", flat=True).first() or 0
        version = ChecklistItemVersion.objects.create(item=item, version=last + 1, created_at=now, **values)
        version.legal_bases.set(bases)
        _claim(item, r.claimants, resolve, actor)
        if is_new or current is None:
            created += 1
        else:
            updated += 1
    return created, updated, unchanged


def _claim(item: ChecklistItem, names: list[str], resolve: Callable[[str], int | None], actor: User | None) -> None:
    for name in names:
        pk = resolve(name)
        if pk is not None:
            ItemClaim.objects.get_or_create(item=item, department_id=pk, defaults={"claimed_by": actor})


def department_of(pk: int) -> Department:
    return Department.objects.get(pk=pk)
