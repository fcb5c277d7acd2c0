"""What the checklist and plan commands add to the shared header reader (`headers`):
the user's `--map 'HEADER=字段'` / `--ignore 'HEADER'` options, and the messages naming
unknown columns. Labels shown to users are Chinese, never field names.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from registries.importing.headers import IGNORE, Header, HeaderSpec, describe, normalise_header


def field_for(spec: HeaderSpec, text: str) -> str | None:
    """The field `text` names: its Chinese label or a synonym (or the field itself)."""
    text = text.strip()
    if text in spec.columns:
        return text
    found, how = spec.match(text)
    return found if how == "exact" else None


def parse_assignments(
    spec: HeaderSpec, maps: Sequence[str] = (), ignores: Sequence[str] = ()
) -> tuple[dict[str, str], list[str]]:
    """`--map 'HEADER=字段'` and `--ignore 'HEADER'` as overrides (normalised header -> field or
    IGNORE), and the problems with them, in Chinese."""
    overrides: dict[str, str] = {}
    problems: list[str] = []
    labels = "、".join(c.label for c in spec.columns.values())
    for item in maps:
        header, sep, target = item.partition("=")
        name = field_for(spec, target) if sep else None
        if not sep or not header.strip():
            problems.append(_("映射“%(m)s”应写作 表头=字段") % {"m": item})
        elif name is None:
            problems.append(_("映射“%(m)s”中的字段“%(f)s”不存在，可用：%(l)s") % {"m": item, "f": target, "l": labels})
        else:
            overrides[normalise_header(header)] = name
    for header in ignores:
        overrides[normalise_header(header)] = IGNORE
    return overrides, problems


def describe_lines(header: Header, spec: HeaderSpec) -> list[str]:
    """'header → label' for every column of the file, for dry runs."""
    return [f"{written} → {target}" for written, target in describe(header, spec)]


def unknown_message(header: Header) -> str:
    names = "、".join(f"“{c.header}”" for c in header.unknown)
    return _("无法识别的列：%(c)s。请指定对应字段（命令行用 --map '表头=字段'），或忽略该列（--ignore '表头'）") % {
        "c": names
    }
