"""Text typed into the web forms, cleaned of control characters before anything sees it.

A finding pasted from another program can carry a bell (\\x07), a NUL or an escape sequence:
stored, they break exports (openpyxl refuses them), the published pages and the audit trail.
Every form of the apps derives from `CleanTextForm` (a model form mixes in
`CleanTextMixin`), so each of its text fields passes through `clean_text` before its own
`clean_<field>` runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import forms

# C0 controls and DEL, except tab, line feed and carriage return (which text areas keep).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """`value` without control characters other than \\t, \\n and \\r."""
    return _CONTROLS.sub("", value)


def _cleaning(to_python: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def cleaned(value: Any) -> Any:
        if isinstance(value, str):
            value = clean_text(value)
        return to_python(value)

    return cleaned


class CleanTextMixin:
    """A form mixin: every `CharField` (and subclass) of the form cleans control characters
    out of its input first, then strips, converts and validates as usual."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                # The form's fields are deep copies: this changes only this form's field.
                field.to_python = _cleaning(field.to_python)  # type: ignore[method-assign, assignment]


class CleanTextForm(CleanTextMixin, forms.Form):
    """The base of the apps' forms."""


def form_messages(form: forms.BaseForm) -> list[str]:
    """Every error message of a bound form, field by field, for `messages.error` or an error type."""
    return [str(message) for errors in form.errors.values() for message in errors]
