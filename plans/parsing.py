"""Pure parsers for the cells of plan tables as bureaus publish them. No database here.

Every parser takes the raw cell text and returns a value or raises `CellError`, whose
message (translated) names the cell content, for the import preview.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from credit_risk.allocation import RatioKind, RatioSpec


class CellError(ValueError):
    """A cell that cannot be parsed; str(exc) is a translated message for the user."""


def clean(raw: object) -> str:
    """NFKC (full-width digits and punctuation to half-width) and collapsed whitespace."""
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw))
    return " ".join(text.split())


# --- ratio and frequency -------------------------------------------------------------

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_COUNT = re.compile(r"(\d+)\s*(?:户|家|个|件|批次)")
_TIMES = re.compile(r"(\d*)\s*次\s*/\s*年")
_TIMES_EACH_YEAR = re.compile(r"每年\s*(\d+)\s*次")
_AT_LEAST = re.compile(r"不低于|不少于|至少|≥|>=")
_WARNING = re.compile(r"预警")
_ALL = re.compile(r"全覆盖|全部抽查|全部检查|^全部$")


def parse_ratio(raw: object) -> RatioSpec:
    """A ratio cell: `40%; 1 次 / 年`, `30% 1次/年`, `不低于5% 1次/年`, `10% 次/年`, `20户`, `不低于3%`,
    `根据预警设定监测情况比例`."""
    text = clean(raw)
    if not text:
        raise CellError(_("抽查比例为空"))
    times: int | None = None
    if m := _TIMES.search(text):
        times = int(m.group(1)) if m.group(1) else 1  # "10% 次/年": once a year
    elif m := _TIMES_EACH_YEAR.search(text):
        times = int(m.group(1))
    if times == 0:
        raise CellError(_("抽查频次“%(value)s”不能为 0 次") % {"value": text})
    if _WARNING.search(text):
        return RatioSpec(kind=RatioKind.WARNING_MODEL, times_per_year=times)
    if _ALL.search(text) and not _PERCENT.search(text):
        return RatioSpec(kind=RatioKind.PERCENT, percent=Decimal(100), times_per_year=times)
    if m := _PERCENT.search(text):
        try:
            percent = Decimal(m.group(1))
        except InvalidOperation as exc:  # pragma: no cover - the regex admits only numbers
            raise CellError(_("无法识别的抽查比例“%(value)s”") % {"value": text}) from exc
        if percent > 100:
            raise CellError(_("抽查比例“%(value)s”超过 100%%") % {"value": text})
        kind = RatioKind.AT_LEAST if _AT_LEAST.search(text) else RatioKind.PERCENT
        return RatioSpec(kind=kind, percent=plain(percent), times_per_year=times)
    if m := _COUNT.search(text):
        return RatioSpec(kind=RatioKind.COUNT, count=int(m.group(1)), times_per_year=times)
    raise CellError(
        _("无法识别的抽查比例“%(value)s”，应为如 40%%、不低于5%%、20户 或 根据预警设定监测情况比例") % {"value": text}
    )


_CN_DIGITS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_PER = (("半年", 2), ("季度", 4), ("季", 4), ("月", 12), ("年", 1))
_TIMES_NUMBER = re.compile(r"(\d+|[一两二三四五六])\s*次?")


def parse_times(raw: object) -> int | None:
    """A frequency column: `1次/年`, `每年1次`, `1次`, `1`, `两次`, `每半年1次` -> times per year."""
    text = clean(raw).replace(" ", "")
    if not text or text in {"/", "-", "—"}:
        return None
    found = _TIMES_NUMBER.search(text)
    if not found:
        raise CellError(_("无法识别的抽查频次“%(value)s”，应为如 1次/年") % {"value": text})
    count = int(found.group(1)) if found.group(1).isdigit() else _CN_DIGITS[found.group(1)]
    per = next((n for word, n in _PER if word in text), 1)
    if count == 0:
        raise CellError(_("抽查频次“%(value)s”不能为 0 次") % {"value": text})
    return count * per


def plain(value: Decimal) -> Decimal:
    """40.0 -> 40, 0.50 -> 0.5, never 4E+1."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def _plain_decimal(value: Decimal) -> str:
    return format(plain(value), "f")


def format_ratio(spec: RatioSpec) -> str:
    """The canonical cell text; parse_ratio(format_ratio(s)) == s."""
    if spec.kind == RatioKind.WARNING_MODEL:
        text = "根据预警设定监测情况比例"
    elif spec.kind == RatioKind.COUNT:
        text = f"{spec.count}户"
    elif spec.kind == RatioKind.AT_LEAST:
        text = f"不低于{_plain_decimal(spec.percent or Decimal(0))}%"
    else:
        text = f"{_plain_decimal(spec.percent or Decimal(0))}%"
    if spec.times_per_year:
        text += f" {spec.times_per_year}次/年"
    return text


# --- period ----------------------------------------------------------------------------

_MONTH = r"(?:(\d{4})\s*[.年/]\s*)?(\d{1,2})\s*(?:月\s*(?:\d{1,2}\s*日)?|[./]\s*\d{1,2}\s*日?(?!\d))?"
_PERIOD = re.compile(rf"^{_MONTH}\s*(?:-|—|–|－|~|～|至|到)+\s*{_MONTH}$")
_YEAR = r"(?:(\d{4})\s*年?\s*)?"
_NAMED_PERIODS = (
    (re.compile(rf"^{_YEAR}(?:全年|年内|全年度|1-12月)$"), 1, 12),
    (re.compile(rf"^{_YEAR}上半年$"), 1, 6),
    (re.compile(rf"^{_YEAR}下半年$"), 7, 12),
)
_QUARTER = re.compile(rf"^{_YEAR}第?([一二三四1-4])季度$")
_BY_MONTH = re.compile(rf"^{_YEAR}(\d{{1,2}})\s*月(?:底|末)?(?:前|以前|之前)(?:完成)?$")
_ONE_MONTH = re.compile(rf"^{_YEAR}(\d{{1,2}})\s*月(?:份)?$")


@dataclass(frozen=True)
class Period:
    start_month: int
    end_month: int
    start_year: int | None = None
    end_year: int | None = None


def parse_period(raw: object) -> Period:
    """`2022. 3-2022. 11`, `3月-10月`, `6月—11月`, `3-11月`."""
    text = clean(raw).replace("份", "")
    named = _named_period(text.replace(" ", ""))
    if named is not None:
        return named
    m = _PERIOD.match(text)
    if not m:
        raise CellError(_("无法识别的抽查起止时间“%(value)s”，应为如 3月—11月 或 2022.3-2022.11") % {"value": text})
    y1, m1, y2, m2 = m.groups()
    start, end = int(m1), int(m2)
    if not (1 <= start <= 12 and 1 <= end <= 12):
        raise CellError(_("抽查起止时间“%(value)s”中的月份不在 1–12 之间") % {"value": text})
    start_year = int(y1) if y1 else None
    end_year = int(y2) if y2 else start_year
    if (start_year or 0, start) > (end_year or start_year or 0, end):
        raise CellError(_("抽查起止时间“%(value)s”的结束早于开始") % {"value": text})
    return Period(start_month=start, end_month=end, start_year=start_year, end_year=end_year)


def _named_period(text: str) -> Period | None:
    """全年, 上半年, 下半年, 第二季度, 11月底前 (from January), 5月 (one month)."""
    for pattern, start, end in _NAMED_PERIODS:
        if m := pattern.match(text):
            year = int(m.group(1)) if m.group(1) else None
            return Period(start_month=start, end_month=end, start_year=year, end_year=year)
    if m := _QUARTER.match(text):
        quarter = "一二三四".find(m.group(2)) + 1 or int(m.group(2))
        year = int(m.group(1)) if m.group(1) else None
        return Period(start_month=3 * quarter - 2, end_month=3 * quarter, start_year=year, end_year=year)
    for pattern, from_january in ((_BY_MONTH, True), (_ONE_MONTH, False)):
        if m := pattern.match(text):
            month = int(m.group(2))
            if not 1 <= month <= 12:
                raise CellError(_("抽查起止时间“%(value)s”中的月份不在 1–12 之间") % {"value": text})
            year = int(m.group(1)) if m.group(1) else None
            return Period(start_month=1 if from_january else month, end_month=month, start_year=year, end_year=year)
    return None


def format_period(period: Period) -> str:
    return f"{period.start_month}月—{period.end_month}月"


# --- mode, directed, joint ---------------------------------------------------------------

MODE_PATTERN = re.compile(
    r"^(?:[省市县区]抽[省市县区]?查|[省市县区]{2,4}(?:两级)?联动|[省市县区]{2,4}(?:两级)?联合抽查)$"
)
_BRACKETED = re.compile(r"【\s*([^】]*?)\s*】")
_MODE_WORD = r"[省市县区]抽[省市县区]?查|[省市县区]{2,4}(?:两级)?联动|[省市县区]{2,4}(?:两级)?联合抽查"
_LEADING_MODE = re.compile(rf"^\s*({_MODE_WORD})(?=$|[\s、,;/，；])[\s、,;/，；]*")


def parse_modes(raw: object) -> tuple[list[str], str]:
    """`【市抽市查】 【县抽县查】 市县两级…` -> (["市抽市查", "县抽县查"], "市县两级…").

    A mode column may also hold the modes bare: `市抽县查`, `县抽县查、市抽市查`, `市县联动`."""
    text = " ".join(("" if raw is None else str(raw)).split())
    modes: list[str] = []
    for found in _BRACKETED.findall(text):
        mode = found.replace(" ", "")
        if not MODE_PATTERN.match(mode):
            raise CellError(
                _("无法识别的抽查方式“%(value)s”，应为如 市抽市查、县抽县查、市抽县查、市县联动") % {"value": found}
            )
        if mode not in modes:
            modes.append(mode)
    remark = _BRACKETED.sub(" ", text).strip()
    if not modes:
        rest = remark
        while found := _LEADING_MODE.match(rest):
            if found[1] not in modes:
                modes.append(found[1])
            rest = rest[found.end() :]
        if modes:
            remark = rest
    return modes, " ".join(remark.split())


_NO_TIERS = re.compile(r"^(?:否|不|无|未|没有|×|x|n|no|0)")
_YES_TIERS = re.compile(r"^(?:是|√|✓|y|yes|1|运用|应用|结合|采用|使用)$")


def parse_uses_tiers(raw: object) -> bool:
    """The credit-tier column: 是/否 (是否运用信用风险分类结果), or the rule written out.

    `根据企业信用风险分类结果…递加比例抽查` -> True; `否`, `不结合信用风险分类` -> False;
    an empty cell -> False. Any other text that names no tier use is an error, never a guess."""
    text = clean(raw).lower().replace(" ", "")
    if not text or text in {"/", "-", "—"}:
        return False
    if _NO_TIERS.match(text):
        return False
    if _YES_TIERS.match(text) or "风险" in text or "信用" in text or "分类" in text or "分级" in text:
        return True
    raise CellError(_("无法识别的信用风险分类要求“%(value)s”，应为 是、否 或分类要求的说明") % {"value": clean(raw)})


def format_modes(modes: list[str], remark: str = "") -> str:
    return " ".join([*(f"【{m}】" for m in modes), *([remark] if remark else [])])


def parse_directed(raw: object) -> bool | None:
    text = clean(raw).replace(" ", "")
    if not text:
        return None
    if "不定向" in text or "非定向" in text:
        return False
    if "定向" in text:
        return True
    raise CellError(_("无法识别的抽查类型“%(value)s”，应为 定向 或 不定向") % {"value": text})


def parse_joint(raw: object) -> bool | None:
    """部门联合 -> True, 内部 -> False, anything else -> unknown (decided by the departments)."""
    text = clean(raw)
    if "联合" in text:
        return True
    if "内部" in text:
        return False
    return None


# --- departments --------------------------------------------------------------------------

_BRACKETED_ROLE = re.compile(r"[(（](?:牵头|配合|发起|负责|主办|协办|组织|实施|指导)[)）]")
ROLE_SUFFIXES = ("组织发起", "组织实施", "实施", "组织", "发起", "牵头", "指导", "配合", "负责", "等")
_DEPT_SEPARATORS = re.compile(r"[、,;，；]+")
# A branch written after its parent (市生态环境局 阳城分局): it ends like a branch and names no
# level of its own; 市消防救援支队 after 市公安局 starts with a level and is a department of its own.
_BRANCH = re.compile(r"^(?![省市县区])[^局委办厅]{1,8}(?:分局|分队|分所|分中心|分站)$")
_PARENT = re.compile(r"(?:局|委|委员会|厅|办|中心|队)$")


def strip_role(name: str) -> str:
    """`县发改局实施` -> `县发改局`, `市局组织发起` -> `市局`."""
    name = name.strip()
    changed = True
    while changed:
        changed = False
        for suffix in ROLE_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                changed = True
    return name


def name_key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


@dataclass(frozen=True)
class DepartmentRef:
    text: str  # as written (role words removed)
    department_id: int | None  # None: not resolved


def department_names(raw: object) -> list[str]:
    """The department names a cell lists: split on 、，,;； line breaks and spaces, a branch kept
    with its parent (`市生态环境局 阳城分局` is one name), role words (牵头, 配合…) removed."""
    text = _BRACKETED_ROLE.sub("", clean(raw))
    words = [strip_role(w) for w in _DEPT_SEPARATORS.sub(" ", text).split(" ")]
    words = [w for w in words if w]
    names: list[str] = []
    for word in words:
        if names and _BRANCH.match(word) and _PARENT.search(names[-1]) and " " not in names[-1]:
            names[-1] = f"{names[-1]} {word}"
        else:
            names.append(word)
    return list(dict.fromkeys(names))


def split_departments(raw: object, resolve: Callable[[str], int | None]) -> list[DepartmentRef]:
    """Several departments separated by spaces or 、, where one name may itself contain a space.

    A branch after its parent is one name (`市生态环境局 阳城分局`, known or not). Otherwise each
    name stands alone; words are joined only when the joined name is a known department and
    neither word is one on its own (a name a table broke with a space: `县市场 监管局`).
    """
    names = department_names(raw)
    refs: list[DepartmentRef] = []
    i = 0
    while i < len(names):
        found = resolve(names[i])
        step = 1
        if found is None:
            for j in range(len(names), i + 1, -1):
                joined = resolve("".join(names[i:j]))
                if joined is not None and all(resolve(n) is None for n in names[i:j]):
                    found, step = joined, j - i
                    break
        refs.append(DepartmentRef(" ".join(names[i : i + step]), found))
        i += step
    unique: list[DepartmentRef] = []
    for ref in refs:
        if ref not in unique:
            unique.append(ref)
    return unique


def split_initiator(raw: object) -> tuple[str, str]:
    """`市局组织发起/质量监管部门指导` -> ("市局组织发起", "质量监管部门指导").

    The department first, then the guiding unit (a division inside it)."""
    text = clean(raw)
    head, _sep, tail = text.replace("／", "/").partition("/")
    return head.strip(), tail.strip()


# --- items (1+X) --------------------------------------------------------------------------

_ITEM_NUMBER = re.compile(r"\s*\(\d+\)\s*|(?:^|(?<=[;。:\s]))\s*\d+[.、]\s*")


def split_items(raw: object) -> list[str]:
    """`1. 登记事项检查； 2. 公示信息检查；` -> ["登记事项检查", "公示信息检查"]."""
    text = clean(raw)
    if not text:
        return []
    # a heading before the first number, e.g. "食品生产监督检查：1. …", stays with the text
    parts = [p.strip(" ;；。,，") for p in _ITEM_NUMBER.split(text)]
    items = [p for p in parts if p]
    return items or [text]
