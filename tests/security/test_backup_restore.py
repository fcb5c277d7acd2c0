"""scripts/backup and scripts/restore: a dump restores into a fresh database with an intact audit chain."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from registries.audit import audit_record
from registries.models import User

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    socket_dir = s.get("OPTIONS", {}).get("host")
    if socket_dir:  # the private server of scripts/test, on its Unix socket
        return f"postgres://{auth}@/{name}?host={socket_dir}"
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _run(args: list[str], database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture
def fresh_database() -> str:  # type: ignore[misc]
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = _url("postgres")
    subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    yield _url(name)
    subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)


def test_a_backup_restores_into_a_fresh_database_and_its_chain_verifies(
    alice: User, fresh_database: str, tmp_path: Path
) -> None:
    for i in range(20):
        audit_record(actor=alice, action="target.import", detail={"row": i, "名称": "阳城县晋阳食品有限公司"})
    dump = tmp_path / "ssj.dump"

    backup = _run(["scripts/backup", str(dump)], _url(connection.settings_dict["NAME"]))
    assert backup.returncode == 0, backup.stderr
    restore = _run(["scripts/restore", str(dump)], fresh_database)
    assert restore.returncode == 0, restore.stderr
    assert "共 20 条" in restore.stdout

    # The restored copy is really checked: tampering there is found.
    subprocess.run(
        [
            "psql",
            fresh_database,
            "-qc",
            "ALTER TABLE registries_auditevent DISABLE TRIGGER ALL;"
            "UPDATE registries_auditevent SET success = false WHERE seq = 7;",
        ],
        check=True,
    )
    verify = _run([".venv/bin/python", "manage.py", "verify_audit"], fresh_database)
    assert verify.returncode == 1
    assert "第 7 条" in verify.stderr

    # A second restore into the now non-empty database is refused.
    again = _run(["scripts/restore", str(dump)], fresh_database)
    assert again.returncode == 1 and "refusing" in again.stderr
