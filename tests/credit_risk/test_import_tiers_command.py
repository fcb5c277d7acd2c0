from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from credit_risk.models import CurrentTier
from registries.models import Department, User
from tests.factories import TargetFactory


def test_it_imports_a_tsv_of_tiers(amr: Department, alice: User, tmp_path: Path) -> None:
    target = TargetFactory(department=amr)
    path = tmp_path / "tiers.tsv"
    path.write_text(f"统一社会信用代码\t信用风险分类\n{target.credit_code}\t高风险\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_tiers", str(path), "--user", "alice", "--date", "2026-09-30", stdout=out)
    assert "写入 1 条" in out.getvalue()
    assert CurrentTier.objects.get(target=target).tier == "D"


def test_it_fails_on_a_bad_row(amr: Department, alice: User, tmp_path: Path) -> None:
    path = tmp_path / "tiers.tsv"
    path.write_text("统一社会信用代码\t信用风险分类\n91140522MA0XXXXXX1\tA\n", encoding="utf-8")
    with pytest.raises(CommandError, match="未导入"):
        call_command("import_tiers", str(path), "--user", "alice", stdout=io.StringIO(), stderr=io.StringIO())
