"""The streamed target import on PostgreSQL: a thread parses while the rows are written in chunks."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from registries.importing import targets as target_import
from registries.importing.common import Rejected
from registries.models import Department, Target, User
from registries.services.imports import targets_import
from tests.factories import enterprise_code
from tests.registries.import_workbooks import target_row, target_workbook, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of three rows, so that a few rows already make several chunks."""
    monkeypatch.setattr(target_import, "CHUNK_ROWS", 3)


def events() -> list[tuple[str, str]]:
    with connection.cursor() as cur:
        cur.execute("SELECT pgh_label, name FROM registries_targetevent ORDER BY pgh_id")
        return cur.fetchall()


def test_it_imports_every_chunk_and_reports_rejected_rows_of_any_chunk(tmp_path: Path, amr: Department) -> None:
    rows = [target_row(enterprise_code(n), f"企业{n}") for n in range(1, 11)]
    rows[4] = target_row(enterprise_code(5), "")  # Excel row 7, second chunk
    rows[9] = target_row(enterprise_code(1), "企业1重复")  # Excel row 12, last chunk
    result = targets_import(path=target_workbook(tmp_path / "t.xlsx", rows), department=amr)
    assert [(e.row, e.message) for e in result.errors] == [
        (7, "对象名称不能为空"),
        (12, f"统一社会信用代码{enterprise_code(1)}与第3行重复"),
    ]
    assert (result.total, result.created, result.updated, result.unchanged) == (10, 8, 0, 0)
    assert result.applied
    assert Target.objects.count() == 8
    assert Target.tags.through.objects.count() == 16
    assert [label for label, _ in events()] == ["insert"] * 8


def test_it_updates_and_counts_unchanged_across_chunks(tmp_path: Path, amr: Department) -> None:
    rows = [target_row(enterprise_code(n), f"企业{n}") for n in range(1, 8)]
    targets_import(path=target_workbook(tmp_path / "a.xlsx", rows), department=amr)
    rows[1] = target_row(enterprise_code(2), "企业2（更名）")
    rows[6] = target_row(enterprise_code(7), "企业7", tags="加油站")
    result = targets_import(path=target_workbook(tmp_path / "b.xlsx", rows), department=amr)
    assert (result.created, result.updated, result.unchanged, result.rejected) == (0, 2, 5, 0)
    assert [t.name for t in Target.objects.get(credit_code=enterprise_code(7)).tags.all()] == ["加油站"]
    # A changed tag is no change of the record's own fields: only the renamed one has a new version.
    assert events()[-1] == ("update", "企业2（更名）")
    assert len(events()) == 8


def test_it_changes_nothing_when_atomic_and_the_last_chunk_has_a_rejected_row(tmp_path: Path, amr: Department) -> None:
    rows = [target_row(enterprise_code(n), f"企业{n}") for n in range(1, 8)]
    rows.append(target_row("91140522MA0L0000XX", "乙公司"))  # Excel row 10
    result = targets_import(path=target_workbook(tmp_path / "t.xlsx", rows), department=amr, atomic=True)
    assert [e.row for e in result.errors] == [10]
    assert not result.applied
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert "放弃整个文件" in result.message
    assert Target.objects.count() == 0
    assert events() == []


def test_it_rolls_back_a_preview_of_many_chunks(tmp_path: Path, amr: Department) -> None:
    rows = [target_row(enterprise_code(n), f"企业{n}") for n in range(1, 8)]
    result = targets_import(path=target_workbook(tmp_path / "t.xlsx", rows), department=amr, dry_run=True)
    assert result.created == 7
    assert not result.applied
    assert Target.objects.count() == 0


def test_it_rejects_rows_of_another_department_in_a_later_chunk(
    tmp_path: Path, amr: Department, drc: Department
) -> None:
    targets_import(
        path=target_workbook(tmp_path / "a.xlsx", [target_row(enterprise_code(6), "发改局的企业")]), department=drc
    )
    rows = [target_row(enterprise_code(n), f"企业{n}") for n in range(1, 8)]
    result = targets_import(path=target_workbook(tmp_path / "b.xlsx", rows), department=amr)
    assert [(e.row, e.message) for e in result.errors] == [
        (8, "该对象已由阳城县发展和改革局维护，不能由本部门导入修改")
    ]
    assert result.created == 6
    assert Target.objects.get(credit_code=enterprise_code(6)).name == "发改局的企业"


def test_it_raises_a_refusal_of_the_parsing_thread_in_the_caller(tmp_path: Path, amr: Department) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx", [["统一社会信用代码", "对象类型", "所属区域", "住所", "行业", "状态"], ["x"] * 6]
    )
    with pytest.raises(Rejected, match="表头缺少"):
        targets_import(path=path, department=amr)
    assert Target.objects.count() == 0


def test_it_refuses_a_region_that_does_not_exist(amr: Department) -> None:
    """Target.region has no database constraint: the writer checks (and locks) the regions itself."""
    row = target_import.TargetRow(
        3,
        "enterprise",
        enterprise_code(1),
        None,
        None,
        "",
        "企业1",
        "",
        amr.region_id + 1000,
        "",
        "",
        "active",
        None,
        (),
    )
    with pytest.raises(IntegrityError, match="regions"), transaction.atomic():
        target_import.write_targets([row], department=amr)
    assert Target.objects.count() == 0


def test_it_checks_the_tag_links_before_commit_and_defers_them_again(tmp_path: Path, amr: Department) -> None:
    with transaction.atomic():
        targets_import(
            path=target_workbook(tmp_path / "t.xlsx", [target_row(enterprise_code(1), "企业1")]), department=amr
        )
        with connection.cursor() as cur:
            # Deferred again: a link to a missing target is accepted until the end of the transaction.
            cur.execute("SAVEPOINT s")
            cur.execute("INSERT INTO registries_target_tags (target_id, tag_id) SELECT -1, min(id) FROM registries_tag")
            cur.execute("ROLLBACK TO SAVEPOINT s")
    assert Target.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_reports_progress_from_the_parsing_thread_visible_before_commit(
    tmp_path: Path, amr: Department, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Progress is written on the parsing thread's own connection, so a polling page sees it at once."""
    from registries.models import ImportJob, ImportKind

    monkeypatch.setattr(target_import, "PROGRESS_EVERY", 2)
    job = ImportJob.objects.create(kind=ImportKind.TARGETS, department=amr, created_by=alice, original_name="t.xlsx")
    seen: list[int] = []

    def progress(done: int, rejected: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(rows_done=done, rejected_count=rejected)
        seen.append(ImportJob.objects.get(pk=job.pk).rows_done)

    rows = [target_row(enterprise_code(n), f"企业{n}") for n in range(1, 8)]
    result = targets_import(path=target_workbook(tmp_path / "t.xlsx", rows), department=amr, progress=progress)
    assert result.created == 7
    assert seen == [2, 4, 6]
    assert ImportJob.objects.get(pk=job.pk).rows_done == 6


def test_it_shows_the_history_an_import_wrote_on_the_record_page(
    client: Client, tmp_path: Path, amr: Department, alice: User
) -> None:
    rows = [target_row(enterprise_code(n), f"企业{n}") for n in range(1, 5)]
    targets_import(path=target_workbook(tmp_path / "a.xlsx", rows), department=amr)
    rows[3] = target_row(enterprise_code(4), "企业4", address="阳城县凤城镇新阳西街2号")
    targets_import(path=target_workbook(tmp_path / "b.xlsx", rows), department=amr)
    target = Target.objects.get(credit_code=enterprise_code(4))
    client.force_login(alice)
    response = client.get(reverse("registries:target_detail", args=[target.pk]))
    history = response.context["history"]
    assert [e.pgh_label for e in history] == ["update", "insert"]
    assert history[0].pgh_diff["address"] == ["阳城县凤城镇新阳东街1号", "阳城县凤城镇新阳西街2号"]
