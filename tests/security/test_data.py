"""Deployment settings, inspectors' personal data encrypted at rest and masked on screen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from registries.masking import mask_id_number, mask_phone
from registries.models import Inspector
from tests.factories import InspectorFactory

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_passes_with_the_production_settings(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "p" * 20 + "-Xy7#kLm9$Qr2!vBn4@Tz8^Wd6&Hs3*Jf",
        "DATABASE_URL": "postgres://ssj_app:not-used@127.0.0.1:5432/ssj",  # checks connect to nothing
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_ALLOWED_HOSTS": "ssj.example.gov.cn",
        "FIELD_ENCRYPTION_SALT": "a-real-random-salt-from-the-vault",
        "AUDIT_HMAC_KEY": "q" * 20 + "-audit-key-from-the-vault-7#kLm9",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_the_development_salt(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "p" * 20 + "-Xy7#kLm9$Qr2!vBn4@Tz8^Wd6&Hs3*Jf",
        "DATABASE_URL": "postgres://ssj_app:not-used@127.0.0.1:5432/ssj",  # checks connect to nothing
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_ALLOWED_HOSTS": "ssj.example.gov.cn",
        "FIELD_ENCRYPTION_SALT": "dev-only-field-encryption-salt",
        "AUDIT_HMAC_KEY": "q" * 20 + "-audit-key-from-the-vault-7#kLm9",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "registries.E002" in result.stderr + result.stdout


def test_production_settings_refuse_the_development_audit_key(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "p" * 20 + "-Xy7#kLm9$Qr2!vBn4@Tz8^Wd6&Hs3*Jf",
        "DATABASE_URL": "postgres://ssj_app:not-used@127.0.0.1:5432/ssj",  # checks connect to nothing
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_ALLOWED_HOSTS": "ssj.example.gov.cn",
        "FIELD_ENCRYPTION_SALT": "a-real-random-salt-from-the-vault",
        "AUDIT_HMAC_KEY": "dev-only-audit-hmac-key-not-secret",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "registries.E003" in result.stderr + result.stdout
    without = {k: v for k, v in env.items() if k != "AUDIT_HMAC_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=without, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "AUDIT_HMAC_KEY" in result.stderr


@pytest.mark.django_db
def test_id_and_phone_numbers_are_encrypted_at_rest(amr) -> None:  # type: ignore[no-untyped-def]
    inspector = InspectorFactory(department=amr, id_number="140522199001011234", phone="13912345678")

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM registries_inspector WHERE id = %s", [inspector.pk])
        raw_id, raw_phone = cursor.fetchone()
    assert "1990" not in raw_id and "1391" not in raw_phone
    assert raw_id.startswith("gAAAA")  # a Fernet token

    again = Inspector.objects.get(pk=inspector.pk)
    assert (again.id_number, again.phone) == ("140522199001011234", "13912345678")


def test_masks_keep_only_the_ends() -> None:
    assert mask_id_number("140522199001011234") == "140522********1234"
    assert mask_phone("13912345678") == "139****5678"
    assert mask_id_number("") == mask_phone(None) == ""


@given(st.text(alphabet="0123456789X", min_size=9, max_size=18))
def test_an_id_mask_never_shows_the_birth_date(value: str) -> None:
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert set(masked[6:-4]) <= {"*"}
    if len(value) <= 10:
        assert set(masked) == {"*"}


@pytest.mark.django_db
def test_the_inspector_page_shows_the_numbers_masked(alice, amr) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    inspector = InspectorFactory(department=amr, id_number="140522199001011234", phone="13912345678")
    client = Client()
    client.force_login(alice)

    html = client.get(f"/registries/inspectors/{inspector.pk}/").content.decode()
    assert "140522********1234" in html and "139****5678" in html
    assert "19900101" not in html and "12345678" not in html
