"""Nothing chosen is lost: photos chosen in the entry form and not sent with 上传 go with the
submission, in its transaction; a bad one refuses the whole submission and stores nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from inspections.models import Evidence, EvidenceKind, Result, ResultDraft, VisitStatus
from inspections.services import results as result_services
from registries.models import User
from tests.inspections.results.builders import jpeg_bytes
from tests.inspections.results.conftest import World, category

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(world: World, findings: str = "", **codes: list[str]) -> dict[str, Any]:
    form: dict[str, Any] = {"completed_on": "2026-05-12", "findings": findings}
    for i, item in enumerate(world.items):
        form[f"cat-{world.task.pk}-{item.pk}"] = [str(category(c).pk) for c in codes.get(f"item{i}", ["01"])]
    return form


def _stored(media: Path) -> list[Path]:
    return [p for p in (media / "evidence").rglob("*") if p.is_file()] if (media / "evidence").exists() else []


def _photo(name: str = "现场照片.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes((320, 240)), content_type="image/jpeg")


def test_a_photo_chosen_and_not_uploaded_is_stored_with_the_submitted_result(
    world: World, ivan: User, tmp_path: Path
) -> None:
    visit = world.visits[0]
    client = _client(ivan)
    client.post(reverse("inspections:evidence_upload", args=[visit.pk]), {"evidence": [_photo("营业执照.jpg")]})
    form = {**_form(world, findings="库存台账与实物数量不符", item1=["0201"]), "evidence": [_photo(), _pdf()]}

    response = client.post(reverse("inspections:visit_submit", args=[visit.pk]), form, follow=True)

    page = response.content.decode()
    assert "检查结果已提交并锁定" in page and "已随结果上传 现场照片.jpg、检查记录.pdf" in page
    result = Result.objects.get(visit=visit)
    evidence = {e.original_name: e for e in Evidence.objects.filter(visit=visit)}
    assert set(evidence) == {"营业执照.jpg", "现场照片.jpg", "检查记录.pdf"}
    assert all(e.result_id == result.pk for e in evidence.values())
    assert (
        evidence["现场照片.jpg"].kind == EvidenceKind.PHOTO and evidence["检查记录.pdf"].kind == EvidenceKind.DOCUMENT
    )
    photo = result_services.evidence_path(evidence["现场照片.jpg"])
    assert photo.read_bytes() == jpeg_bytes((320, 240))
    assert len(_stored(tmp_path)) == 3
    visit.refresh_from_db()
    assert visit.status == VisitStatus.ENTERED and not ResultDraft.objects.filter(visit=visit).exists()


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("检查记录.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n", content_type="application/pdf")


def test_a_bad_file_refuses_the_whole_submission_stores_nothing_and_keeps_the_draft(
    world: World, ivan: User, tmp_path: Path
) -> None:
    visit = world.visits[0]
    fake = SimpleUploadedFile("现场照片2.jpg", b"\xff\xd8\xff\xe0 not really a photo", content_type="image/jpeg")
    form = {**_form(world, findings="库存台账与实物数量不符", item1=["0201"]), "evidence": [_photo(), fake]}

    response = _client(ivan).post(reverse("inspections:visit_submit", args=[visit.pk]), form, follow=True)

    page = response.content.decode()
    assert "“现场照片2.jpg”未能随结果上传：只能上传照片（JPEG、PNG、WebP）或 PDF 文书" in page
    assert "检查结果未提交" in page and "检查结果已提交" not in page
    assert not Result.objects.exists() and not Evidence.objects.exists() and _stored(tmp_path) == []
    visit.refresh_from_db()
    assert visit.status != VisitStatus.ENTERED
    assert ResultDraft.objects.get(visit=visit).data["findings"] == "库存台账与实物数量不符"
    assert 'id="entry-form"' in page


def test_it_reports_a_bad_file_together_with_the_entrys_own_problems(world: World, ivan: User) -> None:
    visit = world.visits[0]
    form = {**_form(world, item1=["0201"]), "evidence": [SimpleUploadedFile("扫描件.pdf", b"GIF89a")]}

    page = _client(ivan).post(reverse("inspections:visit_submit", args=[visit.pk]), form, follow=True)

    text = page.content.decode()
    assert "写明发现的问题" in text and "“扫描件.pdf”未能随结果上传" in text
    assert not Result.objects.exists() and not Evidence.objects.exists()


def test_a_good_photo_sent_with_a_refused_entry_is_named_as_not_uploaded(world: World, ivan: User) -> None:
    visit = world.visits[0]
    form = {**_form(world, item1=["0201"]), "evidence": [_photo()]}

    page = _client(ivan).post(reverse("inspections:visit_submit", args=[visit.pk]), form, follow=True)

    text = page.content.decode()
    assert "写明发现的问题" in text and "所选文件 现场照片.jpg 也未上传" in text
    assert not Result.objects.exists() and not Evidence.objects.exists()


def test_it_refuses_files_beyond_the_limits_with_the_submission(
    world: World, ivan: User, settings: Any, tmp_path: Path
) -> None:
    visit = world.visits[0]
    client = _client(ivan)
    client.post(reverse("inspections:evidence_upload", args=[visit.pk]), {"evidence": [_photo("营业执照.jpg")]})
    settings.EVIDENCE_MAX_FILES = 2
    too_many = {**_form(world), "evidence": [_photo(), _photo("现场照片2.jpg")]}
    page = client.post(reverse("inspections:visit_submit", args=[visit.pk]), too_many, follow=True).content.decode()
    assert "每次检查最多上传 2 个文件" in page and "检查结果未提交" in page
    assert not Result.objects.exists() and Evidence.objects.count() == 1

    settings.EVIDENCE_MAX_BYTES = 1024  # the photo is larger
    too_big = {**_form(world), "evidence": [_photo()]}
    page = client.post(reverse("inspections:visit_submit", args=[visit.pk]), too_big, follow=True).content.decode()
    assert "“现场照片.jpg”未能随结果上传：文件大小须在 1 字节至 0 MB 之间" in page
    assert not Result.objects.exists() and Evidence.objects.count() == 1 and len(_stored(tmp_path)) == 1


def test_a_failure_after_the_files_were_written_leaves_no_file_and_no_row(
    world: World, ivan: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    visit = world.visits[0]
    real_audit = result_services.audit_record

    def failing_audit(**kwargs: Any) -> Any:
        if kwargs["action"] == "inspections.result_submit":
            raise RuntimeError("audit store unavailable")
        return real_audit(**kwargs)

    monkeypatch.setattr(result_services, "audit_record", failing_audit)
    with pytest.raises(RuntimeError):
        result_services.result_submit(
            visit=visit,
            user=ivan,
            data={"completed_on": "2026-05-12", "findings": "", "items": _items(world)},
            uploads=[_photo()],
        )
    assert not Result.objects.exists() and not Evidence.objects.exists() and _stored(tmp_path) == []


def _items(world: World) -> dict[str, list[int]]:
    return {f"{world.task.pk}-{item.pk}": [category("01").pk] for item in world.items}


def test_the_upload_button_keeps_what_was_typed_as_the_draft(world: World, ivan: User) -> None:
    visit = world.visits[0]
    form = {**_form(world, findings="现场已拍照", item1=["0201"]), "evidence": [_photo()]}

    page = _client(ivan).post(reverse("inspections:evidence_upload", args=[visit.pk]), form, follow=True)

    assert "已上传 现场照片.jpg" in page.content.decode()
    assert Evidence.objects.get().result_id is None and not Result.objects.exists()
    assert ResultDraft.objects.get(visit=visit).data["findings"] == "现场已拍照"


def test_the_entry_form_carries_the_file_input(world: World, ivan: User) -> None:
    page = _client(ivan).get(reverse("inspections:visit_detail", args=[world.visits[0].pk])).content.decode()
    assert 'id="entry-form" enctype="multipart/form-data"' in page
    assert 'name="evidence" form="entry-form"' in page and 'hx-params="not evidence"' in page
