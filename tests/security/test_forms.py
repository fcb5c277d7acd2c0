"""Every form lists its fields: no `__all__`, no `exclude`, so posting extra fields changes nothing."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django import forms
from django.apps import apps

from registries.models import Role, User
from tests.factories import UserFactory


def _model_forms() -> list[type[forms.ModelForm]]:
    for config in apps.get_app_configs():
        if not config.name.startswith(("registries", "credit_risk", "plans", "inspections", "publicity")):
            continue
        package = importlib.import_module(config.name)
        for info in pkgutil.walk_packages(package.__path__, f"{config.name}."):
            if "migrations" in info.name or info.name.endswith(".tests"):
                continue
            if info.name.rsplit(".", 1)[-1].startswith(("forms", "views", "admin")):
                importlib.import_module(info.name)
    found: list[type[forms.ModelForm]] = []
    todo: list[type[forms.ModelForm]] = [forms.ModelForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] in {"registries", "credit_risk", "plans", "inspections", "publicity"}:
                found.append(sub)
    return found


def test_every_model_form_lists_its_fields() -> None:
    # Today's forms are plain forms (nothing but their declared fields is read); this keeps
    # any ModelForm added later from taking `__all__` or `exclude`.
    unlisted = [
        f"{c.__module__}.{c.__name__}"
        for c in _model_forms()
        if c._meta.fields in (None, forms.ALL_FIELDS) or c._meta.exclude
    ]
    assert unlisted == []


@pytest.mark.django_db
def test_posting_extra_fields_to_the_password_form_changes_nothing(alice: User) -> None:
    from django.test import Client

    client = Client()
    client.force_login(alice)
    client.post(
        "/accounts/password/change/",
        {
            "old_password": "Pa55word!x",
            "new_password1": "Xin-mima2026",
            "new_password2": "Xin-mima2026",
            "role": Role.SYSTEM_ADMIN,
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    alice.refresh_from_db()
    assert alice.check_password("Xin-mima2026")
    assert (alice.role, alice.is_superuser, alice.is_staff) == (Role.STAFF, False, False)


def test_the_factory_user_is_a_plain_account(db: None) -> None:
    user = UserFactory()
    assert not user.is_superuser and not user.is_staff
