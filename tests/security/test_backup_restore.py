"""scripts/backup and scripts/restore: one archive restores the database, with an intact audit chain,
and the media (evidence, draw files) into a fresh database and an empty folder."""

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


def _run(args: list[str], database_url: str, media: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    if media is not None:
        env["DJANGO_MEDIA_ROOT"] = str(media)
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture
def fresh_database() -> str:  # type: ignore[misc]
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = _url("postgres")
    subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}"'], check=True)
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    yield _url(name)
    subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)


def _media(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_backup_restores_into_a_fresh_database_and_its_chain_verifies(
    alice: User, fresh_database: str, tmp_path: Path
) -> None:
    for i in range(20):
        audit_record(actor=alice, action="target.import", detail={"row": i, "名称": "阳城县晋阳食品有限公司"})
    media = tmp_path / "media"
    (media / "evidence/2026/05").mkdir(parents=True)
    (media / "evidence/2026/05/现场照片.jpg").write_bytes(b"\xff\xd8\xff\xe0 photo of the grain store")
    (media / "draws/2026/12").mkdir(parents=True)
    (media / "draws/2026/12/population.csv").write_text("91140522MA0K0X1234,阳城县晋阳食品有限公司\n")
    archive = tmp_path / "ssj.tar"

    backup = _run(["scripts/backup", str(archive)], _url(connection.settings_dict["NAME"]), media)
    assert backup.returncode == 0, backup.stderr
    assert "2 media files" in backup.stdout
    restored_media = tmp_path / "restored-media"
    restore = _run(["scripts/restore", str(archive)], fresh_database, restored_media)
    assert restore.returncode == 0, restore.stderr
    assert "共 20 条" in restore.stdout
    # The files that verification needs come back byte for byte.
    assert _media(restored_media) == _media(media)

    # A restore over files already there is refused (nothing is overwritten).
    again_db = _run(["scripts/restore", str(archive)], fresh_database, restored_media)
    assert again_db.returncode == 1 and "refusing" in again_db.stderr

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


def test_a_restore_refuses_a_media_folder_that_has_files(alice: User, fresh_database: str, tmp_path: Path) -> None:
    archive = tmp_path / "ssj.tar"
    assert (
        _run(["scripts/backup", str(archive)], _url(connection.settings_dict["NAME"]), tmp_path / "m").returncode == 0
    )
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("已有文件")

    restore = _run(["scripts/restore", str(archive)], fresh_database, occupied)
    assert restore.returncode == 1 and "media folder" in restore.stderr
    assert (occupied / "keep.txt").read_text() == "已有文件"
