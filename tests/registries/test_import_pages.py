from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from registries.models import ImportJob, ImportStatus, Target, User
from tests.factories import enterprise_code
from tests.registries.import_workbooks import target_row, target_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client: Client, path: Path, *, atomic: bool = False) -> Any:
    data = {"kind": "targets", "file": SimpleUploadedFile(path.name, path.read_bytes())}
    if atomic:
        data["atomic"] = "on"
    return client.post(reverse("registries:import_list"), data)


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_it_previews_lists_rejected_rows_then_commits(client: Client, alice: User, tmp_path: Path) -> None:
    path = target_workbook(
        tmp_path / "名录.xlsx",
        [target_row(enterprise_code(1), "阳城县晋丰粮油有限公司"), target_row("91140522MA0L0000XX", "坏行公司")],
    )
    response = upload(login(client, alice), path)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ImportStatus.PREVIEWED
    page = client.get(reverse("registries:import_detail", args=[job.pk])).content.decode()
    assert "第4行" in page
    assert "统一社会信用代码" in page
    assert Target.objects.count() == 0
    client.post(reverse("registries:import_commit", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.created_count, job.rejected_count) == (ImportStatus.DONE, 1, 1)
    assert list(Target.objects.values_list("name", flat=True)) == ["阳城县晋丰粮油有限公司"]
    assert "第4行" in client.get(reverse("registries:import_detail", args=[job.pk])).content.decode()


def test_an_atomic_preview_with_rejected_rows_cannot_be_committed(client: Client, alice: User, tmp_path: Path) -> None:
    path = target_workbook(
        tmp_path / "a.xlsx", [target_row(enterprise_code(1), "甲公司"), target_row("91140522MA0L0000XX", "乙公司")]
    )
    upload(login(client, alice), path, atomic=True)
    job = ImportJob.objects.get()
    page = client.get(reverse("registries:import_detail", args=[job.pk])).content.decode()
    assert "确认导入" not in page
    assert "全部成功才导入" in page


def test_it_refuses_a_file_that_is_not_a_workbook(client: Client, alice: User) -> None:
    data = {"kind": "targets", "file": SimpleUploadedFile("名录.xlsx", b"%PDF-1.7\n\xff\xfe\x80" * 50)}
    response = login(client, alice).post(reverse("registries:import_list"), data)
    assert response.status_code == 200
    assert "无法识别文件编码" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_a_large_file_runs_in_celery_with_progress(
    client: Client, alice: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [target_row(enterprise_code(n), f"企业{n}") for n in range(1, 81)]  # IMPORT_ASYNC_ROWS is 50 in tests
    path = target_workbook(tmp_path / "big.xlsx", rows)
    login(client, alice)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload(client, path)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.PENDING
    assert len(callbacks) == 1
    progress = client.get(reverse("registries:import_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in progress.content.decode()
    callbacks[0]()  # the eager Celery task
    job.refresh_from_db()
    assert (job.status, job.created_count, job.rows_done) == (ImportStatus.PREVIEWED, 80, 80)
    finished = client.get(reverse("registries:import_progress", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in finished
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registries:import_commit", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportStatus.DONE, 80)
    assert Target.objects.count() == 80


def test_other_departments_cannot_see_a_job_and_inspectors_cannot_import(
    client: Client, alice: User, bob: User, ivan: User, olivia: User, tmp_path: Path
) -> None:
    upload(login(client, alice), target_workbook(tmp_path / "a.xlsx", [target_row(enterprise_code(1), "甲")]))
    job = ImportJob.objects.get()
    assert login(client, bob).get(reverse("registries:import_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("registries:import_commit", args=[job.pk])).status_code == 404
    assert login(client, olivia).get(reverse("registries:import_detail", args=[job.pk])).status_code == 200
    assert client.post(reverse("registries:import_commit", args=[job.pk])).status_code == 403
    assert login(client, ivan).get(reverse("registries:import_list")).status_code == 403


def test_export_downloads_only_the_department_s_targets(client: Client, alice: User, bob: User, tmp_path: Path) -> None:
    upload(login(client, alice), target_workbook(tmp_path / "a.xlsx", [target_row(enterprise_code(1), "甲")]))
    client.post(reverse("registries:import_commit", args=[ImportJob.objects.get().pk]))
    response = login(client, bob).get(reverse("registries:export", args=["targets"]))
    (tmp_path / "bob.xlsx").write_bytes(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    assert load_workbook(tmp_path / "bob.xlsx").active.max_row == 2  # title and header only
    response = login(client, alice).get(reverse("registries:export", args=["targets"]))
    (tmp_path / "alice.xlsx").write_bytes(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    assert load_workbook(tmp_path / "alice.xlsx").active["B3"].value == "甲"


def test_imports_and_exports_are_audited(client: Client, alice: User, tmp_path: Path) -> None:
    from registries.models.audit import AuditEvent

    upload(login(client, alice), target_workbook(tmp_path / "a.xlsx", [target_row(enterprise_code(1), "甲")]))
    client.post(reverse("registries:import_commit", args=[ImportJob.objects.get().pk]))
    client.get(reverse("registries:export", args=["targets"]))
    actions = list(AuditEvent.objects.filter(actor=alice).values_list("action", flat=True))
    assert "registry.import" in actions
    assert "registry.export" in actions
