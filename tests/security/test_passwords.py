"""Password rules: length, character classes, not the username, no reuse, 90 days, forced change."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from registries.models import AuditEvent, PasswordHistory, User
from registries.validators import CharacterClassValidator
from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOWER, UPPER, DIGIT, OTHER = "abcdefgh", "ABCDEFGH", "23456789", "!@#$%^&*"


def _codes(password: str, user: User | None = None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list if e.code}
    return set()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab1!xyz", "password_too_short"),
        ("abcdefgh12", "password_too_simple"),  # two classes
        ("ABCDEFGHXY", "password_too_simple"),  # one class
    ],
)
def test_it_refuses_weak_passwords(password: str, code: str) -> None:
    assert code in _codes(password)


def test_it_accepts_three_of_four_classes() -> None:
    assert _codes("Zhifa2026x") == set()
    assert _codes("zhifa#2026") == set()


@given(
    st.lists(st.sampled_from([LOWER, UPPER, DIGIT, OTHER]), min_size=1, max_size=4, unique=True),
    st.integers(min_value=0, max_value=20),
)
def test_character_classes_count_every_class_used(classes: list[str], seed: int) -> None:
    password = "".join(chars[(seed + i) % len(chars)] for i, chars in enumerate(classes * 3))
    validator = CharacterClassValidator(min_classes=3)
    if len(classes) >= 3:
        validator.validate(password)
    else:
        with pytest.raises(ValidationError):
            validator.validate(password)


def test_it_refuses_the_username(alice: User) -> None:
    alice.username = "Zhangsan#2026"
    assert "password_is_username" in _codes("zhangsan#2026", alice)


def test_it_refuses_the_last_five_passwords(alice: User) -> None:
    old = [f"Jiu-mima{i}A" for i in range(6)]
    for password in old:
        alice.set_password(password)
        alice.save()

    assert PasswordHistory.objects.filter(user=alice).count() == 5
    for password in old[1:]:
        assert "password_reused" in _codes(password, alice), password
    assert "password_reused" not in _codes(old[0], alice)


def test_new_users_must_change_their_initial_password(amr) -> None:  # type: ignore[no-untyped-def]
    user = User.objects.create_user("newbie", password="Chushi#2026", role="staff", department=amr)
    client = Client()
    client.force_login(user)

    response = client.get("/registries/targets/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/password/change/")


def test_a_password_is_due_after_ninety_days(alice: User) -> None:
    with time_machine.travel(alice.password_changed_at + dt.timedelta(days=89)):
        assert not alice.password_change_due()
    with time_machine.travel(alice.password_changed_at + dt.timedelta(days=91)):
        assert alice.password_change_due()


def test_it_forces_a_change_after_ninety_days(alice: User) -> None:
    client = Client()
    client.force_login(alice)
    assert client.get("/registries/targets/").status_code == 200

    User.objects.filter(pk=alice.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=91))
    response = client.get("/registries/targets/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/password/change/")


def test_changing_the_password_lets_the_user_in_and_is_audited(alice: User) -> None:
    User.objects.filter(pk=alice.pk).update(password_changed_at=None)
    client = Client()
    client.force_login(alice)

    response = client.post(
        "/accounts/password/change/?next=/registries/targets/",
        {
            "old_password": PASSWORD,
            "new_password1": "Xin-mima2026",
            "new_password2": "Xin-mima2026",
            "next": "/registries/targets/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/registries/targets/"
    assert client.get("/registries/targets/").status_code == 200  # still signed in
    alice.refresh_from_db()
    assert alice.check_password("Xin-mima2026")
    assert alice.password_changed_at is not None
    assert AuditEvent.objects.filter(action="auth.password_change", actor=alice, success=True).exists()


def test_the_change_form_refuses_reusing_the_current_password(alice: User) -> None:
    client = Client()
    client.force_login(alice)

    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "最近 5 次" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.password_change", success=False).exists()


def test_a_password_set_by_an_administrator_must_be_changed(alice: User, db: None) -> None:
    from registries.services.accounts import user_password_reset
    from tests.factories import UserFactory

    admin = UserFactory(username="secadmin", role="secadmin", department=None)
    user_password_reset(actor=admin, user=alice, new_password="Chushi#2026")

    alice.refresh_from_db()
    assert alice.password_change_due()
    assert AuditEvent.objects.filter(action="user.password_reset", actor=admin, object_id=str(alice.pk)).exists()
