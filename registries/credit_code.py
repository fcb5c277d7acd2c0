"""统一社会信用代码 (unified social credit code), GB 32100-2015.

Eighteen characters from a 31-character alphabet (no I, O, S, V, Z): registration
authority, organisation category, six-digit administrative division, nine-character
organisation code and a check character computed with weights 3^i mod 31.
"""

from __future__ import annotations

import unicodedata
from operator import mul

from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_CLEAN = frozenset(ALPHABET)
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Registration authority -> organisation categories it may issue (GB 32100-2015 table 1).
CATEGORIES: dict[str, str] = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 中央编办直接管理机构编制的群众团体, 其他
    "2": "19",  # 外交
    "3": "1239",  # 司法行政
    "4": "19",  # 文化
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "1239",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业
    "Y": "1",  # 其他
}


class CreditCodeError(ValueError):
    """The code is not a valid 统一社会信用代码; the message says why, in the active language."""


def normalise(raw: str) -> str:
    """Full-width to half-width, spaces removed, upper case: how bureaus' files arrive."""
    text = unicodedata.normalize("NFKC", raw or "")
    # Upper-casing can leave a decomposed sequence (Greek ΐ -> Ϊ́): normalise again so
    # that normalise(normalise(x)) == normalise(x) for every input.
    return unicodedata.normalize("NFKC", "".join(text.split()).upper())


def check_character(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("check_character needs exactly 17 characters")
    total = sum(map(mul, map(_VALUE.__getitem__, first17), WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def validate(raw: str) -> str:
    """Return the normalised code, or raise CreditCodeError with the reason."""
    # Fast path, the common case of a registry import: eighteen characters of the alphabet are
    # already normalised (NFKC, no spaces, upper case leave them as they are).
    if len(raw) == 18 and _CLEAN.issuperset(raw):
        code = raw
        if code[0] not in CATEGORIES or code[1] not in CATEGORIES[code[0]]:
            raise CreditCodeError(_("统一社会信用代码的登记管理部门或机构类别代码无效：%(code)s") % {"code": code[:2]})
        if not code[2:8].isdigit():
            raise CreditCodeError(_("统一社会信用代码第3-8位应为行政区划代码（数字）"))
        expected = check_character(code[:17])
        if code[17] != expected:
            raise CreditCodeError(
                _("统一社会信用代码校验位错误：应为%(expected)s，实际为%(actual)s")
                % {"expected": expected, "actual": code[17]}
            )
        return code
    code = normalise(raw)
    if len(code) != 18:
        raise CreditCodeError(_("统一社会信用代码应为18位，实际为%(n)d位") % {"n": len(code)})
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        raise CreditCodeError(_("统一社会信用代码含有非法字符：%(chars)s") % {"chars": "".join(bad)})
    if code[0] not in CATEGORIES or code[1] not in CATEGORIES[code[0]]:
        raise CreditCodeError(_("统一社会信用代码的登记管理部门或机构类别代码无效：%(code)s") % {"code": code[:2]})
    if not code[2:8].isdigit():
        raise CreditCodeError(_("统一社会信用代码第3-8位应为行政区划代码（数字）"))
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError(
            _("统一社会信用代码校验位错误：应为%(expected)s，实际为%(actual)s")
            % {"expected": expected, "actual": code[17]}
        )
    return code


def is_valid(raw: str) -> bool:
    try:
        validate(raw)
    except CreditCodeError:
        return False
    return True


def make(prefix17: str) -> str:
    """Complete seventeen characters with their check character (for demo data and tests)."""
    return prefix17 + check_character(prefix17)
