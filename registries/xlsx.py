"""One cell function for every .xlsx export: whatever is stored, the workbook is written and opens.

Stored text may hold anything an import, a form or the shell let through: control characters
(\\x01, a bell \\x07 pasted into a finding), noncharacters (U+FFFF). openpyxl refuses the C0
controls when a cell is set (IllegalCharacterError: a 500 for every later export of the same
row) and writes U+FFFE/U+FFFF into XML that no reader opens. `safe_cell` drops every character
XML 1.0 does not allow (a superset of openpyxl's ILLEGAL_CHARACTERS_RE), then neutralises formula
injection with the registry exports' `guard` (a leading apostrophe before = + - @ and a leading
tab or line break), so a name such as =HYPERLINK(...) stays text.

Every export writes its text cells through `safe_cell` (`safe_row` for a whole row); numbers,
dates and None pass unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from registries.importing.common import guard

# The complement of XML 1.0's Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD]
# | [#x10000-#x10FFFF]. openpyxl's ILLEGAL_CHARACTERS_RE covers only the C0 part of it.
XML_ILLEGAL_CHARACTERS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean_text(value: str) -> str:
    """The text without the characters an .xlsx (XML 1.0) cannot hold; line breaks as readers
    give them back (XML turns a carriage return into a line feed)."""
    return XML_ILLEGAL_CHARACTERS.sub("", value).replace("\r\n", "\n").replace("\r", "\n")


def safe_cell(value: object) -> object:
    """A value ready for an export cell: text cleaned of illegal characters and never a formula."""
    if isinstance(value, str):
        return guard(clean_text(value))
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    return [safe_cell(value) for value in values]
