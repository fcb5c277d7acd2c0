"""Control characters never reach a form's cleaned data: the shared text base of every form."""

from __future__ import annotations

import re

from django import forms
from hypothesis import given
from hypothesis import strategies as st

from registries.forms import ConflictForm, ItemVersionForm, TargetFilterForm
from registries.text import CleanTextForm, CleanTextMixin, clean_text

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def test_it_drops_bells_nuls_and_escapes_and_keeps_tabs_and_line_breaks() -> None:
    assert clean_text("库存\x07不符\x00，\x1b[31m见附件\t第2页\r\n") == "库存不符，[31m见附件\t第2页\r\n"


@given(st.text())
def test_what_is_left_has_no_control_character_but_tab_and_line_breaks(text: str) -> None:
    cleaned = clean_text(text)

    assert not CONTROL.search(cleaned)
    assert clean_text(cleaned) == cleaned
    # Nothing else is touched: the other characters stay, in order.
    assert cleaned == "".join(c for c in text if not CONTROL.match(c))


@given(st.text(alphabet=st.characters(min_codepoint=0x80)))
def test_text_without_control_characters_is_unchanged(text: str) -> None:
    assert clean_text(text) == text


class _Note(CleanTextForm):
    name = forms.CharField(max_length=20)
    note = forms.CharField(required=False, strip=False, widget=forms.Textarea)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if name != name.strip():
            raise forms.ValidationError("not stripped")
        return name


def test_a_form_cleans_every_text_field_before_its_own_clean_methods() -> None:
    form = _Note({"name": "王\x01丽\x1f ", "note": "第一行\x07\n第二行\x00"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"name": "王丽", "note": "第一行\n第二行"}


def test_a_name_of_control_characters_only_is_missing() -> None:
    form = _Note({"name": "\x01\x02"})

    assert not form.is_valid()
    assert "name" in form.errors


def test_cleaning_one_form_leaves_the_class_fields_alone() -> None:
    _Note({"name": "a"}).is_valid()

    assert _Note.base_fields["name"].to_python("\x07") == "\x07"


def test_the_registry_forms_use_the_base() -> None:
    for form_class in (ConflictForm, ItemVersionForm, TargetFilterForm):
        assert issubclass(form_class, CleanTextMixin), form_class


# Forms in modules other helpers own in this round; the lead removes them once they mix in the base.
PENDING: set[str] = set()


def test_every_form_of_the_apps_with_text_fields_cleans_control_characters() -> None:
    import importlib
    import pkgutil

    from django.apps import apps

    apps_ = ("registries", "credit_risk", "plans", "inspections", "publicity")
    for config in apps.get_app_configs():
        if config.name in apps_:
            package = importlib.import_module(config.name)
            for info in pkgutil.walk_packages(package.__path__, f"{config.name}."):
                if info.name.rsplit(".", 1)[-1].startswith(("forms", "views")):
                    importlib.import_module(info.name)
    todo: list[type] = [forms.BaseForm]
    unclean = []
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if not cls.__module__.startswith(apps_) or cls.__module__ in PENDING:
            continue
        text_fields = [f for f in cls.base_fields.values() if isinstance(f, forms.CharField)]  # type: ignore[attr-defined]
        if text_fields and not issubclass(cls, CleanTextMixin):
            unclean.append(f"{cls.__module__}.{cls.__name__}")
    assert unclean == []
