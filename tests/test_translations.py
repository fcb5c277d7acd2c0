"""Every message marked for translation has an English translation in locale/en.

Templates go through Django's own ``templatize`` (the converter ``makemessages``
uses), so the msgids found here are the exact strings the ``{% translate %}`` and
``{% blocktranslate %}`` tags look up at run time: ``%`` doubled, ``{{ x }}`` as
``%(x)s``, ``trimmed`` whitespace collapsed, ``{% plural %}`` as msgid_plural.
Python modules go through Babel's ``extract_python``.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.extract import extract, extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.paginator import Paginator
from django.template import engines
from django.test import override_settings
from django.utils import translation
from django.utils.translation.template import templatize

BASE_DIR = Path(settings.BASE_DIR)
TEMPLATE_DIR = BASE_DIR / "templates"
PYTHON_PACKAGES = ("registries", "credit_risk", "plans", "inspections", "publicity", "config")
SKIPPED_DIRS = {"migrations", "tests", "__pycache__"}
PO_PATH = BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"

# Babel keyword specs: argument positions of msgid / msgid_plural, (n, "c") is the context.
PYTHON_KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
# What templatize() writes: gettext/ngettext/pgettext/npgettext calls, and _("...") for constants.
TEMPLATE_KEYWORDS = {key: PYTHON_KEYWORDS[key] for key in ("_", "gettext", "ngettext", "pgettext", "npgettext")}

# A printf-style conversion as Python's % operator reads it (named or positional).
FORMAT_SPEC_RE = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])"
)


@dataclass(frozen=True)
class Message:
    msgid: str
    plural: str | None
    context: str | None
    location: str  # "path:line", relative to the project

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.msgid, self.context)


def _extract(source: bytes, keywords: dict, location: str) -> list[Message]:
    found = []
    for lineno, message, _comments, context in extract(
        extract_python, io.BytesIO(source), keywords=keywords, options={"encoding": "utf-8"}
    ):
        msgid, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
        found.append(Message(msgid, plural, context, f"{location}:{lineno}"))
    return found


def template_messages() -> list[Message]:
    messages = []
    for path in sorted(TEMPLATE_DIR.rglob("*.html")):
        relative = path.relative_to(BASE_DIR).as_posix()
        pseudo_python = templatize(path.read_text(encoding="utf-8"), origin=relative)
        # The blanked-out markup keeps the template's indentation, which Python's tokenizer
        # (unlike xgettext) rejects; the calls themselves never span lines, so drop it.
        dedented = "\n".join(line.lstrip() for line in pseudo_python.splitlines())
        messages += _extract(dedented.encode("utf-8"), TEMPLATE_KEYWORDS, relative)
    return messages


def python_messages() -> list[Message]:
    messages = []
    for package in PYTHON_PACKAGES:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            relative = path.relative_to(BASE_DIR)
            if SKIPPED_DIRS.intersection(relative.parts[:-1]):
                continue
            messages += _extract(path.read_bytes(), PYTHON_KEYWORDS, relative.as_posix())
    return messages


@cache
def all_messages() -> tuple[Message, ...]:
    return tuple(template_messages() + python_messages())


@cache
def catalog():  # type: ignore[no-untyped-def]
    with PO_PATH.open("rb") as po_file:
        return read_po(po_file)


def format_specs(text: str) -> Counter[tuple[str | None, str]]:
    """The conversions in text, %% included: a lone % in a translation would break ``msg % data``."""
    return Counter((m["name"], m["type"]) for m in FORMAT_SPEC_RE.finditer(text))


def stray_percent(text: str) -> bool:
    """A % that is no conversion at all (ValueError in ``msg % data``)."""
    return "%" in FORMAT_SPEC_RE.sub("", text)


def _describe(messages: list[Message]) -> str:
    """One line per msgid, with every place that uses it."""
    places: dict[tuple[str, str | None], list[str]] = {}
    for message in messages:
        places.setdefault(message.key, []).append(message.location)
    lines = []
    for (msgid, context), locations in sorted(places.items(), key=lambda item: item[1][0]):
        ctx = f" (context {context!r})" if context else ""
        lines.append(f"  {msgid!r}{ctx}  <- {', '.join(locations)}")
    return "\n".join(lines)


def test_extraction_finds_template_and_python_messages() -> None:
    """The extractor itself works: known strings of each kind are found, exactly as Django looks them up."""
    by_id = {m.msgid: m for m in all_messages()}
    assert "双随机、一公开监管平台" in by_id  # {% translate %} in base.html
    assert "第%(n)s轮" in by_id  # {% blocktranslate with n=... %}第{{ n }}轮
    plural = by_id["引用该依据的现行事项（%(n)s 项）"]  # {% blocktranslate count %} ... {% plural %}
    assert plural.plural == "引用该依据的现行事项（%(n)s 项）"
    assert "各部门企业抽查覆盖率（%%）" in by_id  # the translate tag doubles % before the lookup
    assert "是,否" in by_id  # _("...") as a filter argument
    assert any(m.location.startswith("registries/models/") for m in all_messages())  # gettext_lazy as _
    assert not any("/migrations/" in m.location for m in all_messages())


def test_every_message_has_an_english_translation() -> None:
    """Every msgid in templates/ and the apps' Python has a non-empty, non-fuzzy msgstr in locale/en."""
    po = catalog()
    missing = []
    for message in all_messages():
        entry = po.get(message.msgid, message.context)
        strings = entry.string if entry is not None else ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        untranslated = entry is None or entry.fuzzy or not all(s and s.strip() for s in strings)
        if message.plural is not None and entry is not None and not entry.pluralizable:
            untranslated = True  # the catalogue has a singular entry where a plural one is needed
        if untranslated:
            missing.append(message)
    assert not missing, (
        f"{len({m.key for m in missing})} msgid(s) have no English translation in {PO_PATH.name}"
        f" (add them to locale/en/LC_MESSAGES/django.po, then run manage.py compile_locale):\n" + _describe(missing)
    )


def test_placeholders_match_between_msgid_and_msgstr() -> None:
    """python-format placeholders (%(name)s, %s, %%) agree between each msgid and its translation."""
    problems = []
    for entry in catalog():
        if not entry.id:
            continue  # the header
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for index, string in enumerate(strings):
            if not string:
                continue
            source = ids[min(index, len(ids) - 1)]
            if stray_percent(source) or not FORMAT_SPEC_RE.search(source):
                continue  # not a format string (e.g. "比例（%）" from Python, never %-formatted)
            if format_specs(source) != format_specs(string) or stray_percent(string):
                problems.append(f"  {ids[0]!r} -> {string!r}")
            elif entry.id and not entry.python_format and FORMAT_SPEC_RE.search(source):
                problems.append(f"  {ids[0]!r} has placeholders but no '#, python-format' flag")
    assert not problems, "placeholders differ between msgid and msgstr:\n" + "\n".join(problems)


@pytest.fixture
def english(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The English catalogue compiled from the .po as it is now (the .mo is a build artefact, maybe stale)."""
    mo_dir = tmp_path / "en" / "LC_MESSAGES"
    mo_dir.mkdir(parents=True)
    with (mo_dir / "django.mo").open("wb") as mo_file:
        write_mo(mo_file, catalog())
    with override_settings(LOCALE_PATHS=[tmp_path]), translation.override("en"):
        yield


def _render(name: str, context: dict) -> str:
    return engines["django"].get_template(name).render(context)


def _chinese(text: str) -> list[str]:
    return re.findall(r"[\u4e00-\u9fff]+", text)


def test_translate_tags_render_in_english(english) -> None:  # type: ignore[no-untyped-def]
    """{% translate %} with a doubled % and {% blocktranslate with %}: the looked-up msgids are the extracted ones."""
    template = engines["django"].from_string(
        '{% load i18n %}{% translate "各部门企业抽查覆盖率（%）" %}|'
        "{% blocktranslate with g=60 %}企业抽查覆盖率（目标 ≥ {{ g }}%）{% endblocktranslate %}|"
        "{% blocktranslate with n=3 %}第{{ n }}轮{% endblocktranslate %}"
    )
    assert template.render({}) == (
        "Enterprise inspection coverage by department (%)|Enterprise inspection coverage (target ≥ 60%)|Round 3"
    )


def test_partials_render_in_english(english) -> None:  # type: ignore[no-untyped-def]
    """Real templates: the pager (blocktranslate with three variables) and the deadline badges."""
    page = Paginator(list(range(45)), 20).page(2)
    pager = _render("inspections/_pager.html", {"page": page, "qs": ""})
    assert "Rows 21–40 of 45" in pager
    assert not _chinese(pager), pager

    visit = SimpleNamespace(entry_deadline=date(2027, 3, 1), deadline_provisional=True, status="done")
    overdue = _render("inspections/_deadline.html", {"visit": visit, "days_left": -4})
    assert "Working days overdue: 4" in overdue
    assert "Provisional" in overdue
    assert not _chinese(overdue), overdue
