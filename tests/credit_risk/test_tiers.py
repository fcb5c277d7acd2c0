"""Tier assessments (import, manual, history), warning populations, presets, and who may see tiers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from credit_risk import selectors, services
from credit_risk.models import CurrentTier, RiskWarning, TierAssessment, TierPolicy, TierSource, WarningKind
from registries.models import Department, Target, User
from tests.factories import TargetFactory, enterprise_code


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["阳城县企业信用风险分类结果（2026年第三季度）"])
    ws.append(["序号", "企业名称", "统一社会信用代码", "信用风险分类"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.fixture
def targets(amr: Department) -> list[Target]:
    return [TargetFactory(department=amr) for _ in range(4)]


def test_it_imports_tiers_by_credit_code(targets: list[Target], alice: User, tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "tiers.xlsx",
        [
            [i + 1, t.name, t.credit_code, tier]
            for i, (t, tier) in enumerate(zip(targets, ["A类", "B", "较高风险", "D 高风险"], strict=True))
        ],
    )
    result = services.tiers_import(path=path, user=alice, assessed_on=dt.date(2026, 9, 30))
    assert result.ok and result.written == 4
    assert [CurrentTier.objects.get(target=t).tier for t in targets] == ["A", "B", "C", "D"]
    assert selectors.tier_counts(Target.objects.all()) == {"A": 1, "B": 1, "C": 1, "D": 1, "none": 0}


def test_it_imports_nothing_when_one_row_is_bad_and_names_the_row(
    targets: list[Target], alice: User, tmp_path: Path
) -> None:
    bad_code = targets[1].credit_code[:-1] + ("0" if targets[1].credit_code[-1] != "0" else "1")
    path = _workbook(
        tmp_path / "tiers.xlsx",
        [
            [1, "甲", targets[0].credit_code, "A"],
            [2, "乙", bad_code, "B"],
            [3, "丙", targets[2].credit_code, "E"],
            [4, "丁", enterprise_code(99_999), "C"],
        ],
    )
    result = services.tiers_import(path=path, user=alice)
    assert not result.ok
    assert result.errors[0].startswith("第 4 行：")
    assert result.errors[1].startswith("第 5 行：无法识别的信用风险分类“E”")
    assert result.errors[2] == f"第 6 行：本部门维护的检查对象中没有统一社会信用代码为 {enterprise_code(99_999)} 的对象"
    assert not TierAssessment.objects.exists()


def test_it_keeps_the_history_and_the_latest_assessment_is_current(
    targets: list[Target], alice: User, tmp_path: Path
) -> None:
    target = targets[0]
    old = _workbook(tmp_path / "q2.xlsx", [[1, target.name, target.credit_code, "A"]])
    new = _workbook(tmp_path / "q3.xlsx", [[1, target.name, target.credit_code, "C"]])
    services.tiers_import(path=new, user=alice, assessed_on=dt.date(2026, 9, 30))
    services.tiers_import(path=old, user=alice, assessed_on=dt.date(2026, 6, 30))  # late upload of an older result
    assert CurrentTier.objects.get(target=target).tier == "C"
    services.tier_set(
        target=target, tier="D", reason="现场核查发现严重违法行为", user=alice, assessed_on=dt.date(2026, 10, 8)
    )
    assert selectors.current_tier(target).tier == "D"
    history = list(selectors.tier_history(target).values_list("tier", "source"))
    assert history == [("D", TierSource.MANUAL), ("C", TierSource.IMPORT), ("A", TierSource.IMPORT)]


def test_it_requires_a_reason_to_set_a_tier_by_hand(targets: list[Target], alice: User) -> None:
    with pytest.raises(ValueError, match="理由"):
        services.tier_set(target=targets[0], tier="B", reason=" ", user=alice)
    with pytest.raises(IntegrityError):
        TierAssessment.objects.create(
            target=targets[0], tier="B", source=TierSource.MANUAL, assessed_on=dt.date.today()
        )


def test_it_finds_many_licences_at_one_normalised_address(amr: Department) -> None:
    a = TargetFactory(department=amr, address="阳城县凤城镇东关村 12 号")
    b = TargetFactory(department=amr, address="阳城县凤城镇东关村１２号")
    c = TargetFactory(department=amr, address="阳城县凤城镇东关村12号")
    alone = TargetFactory(department=amr, address="阳城县凤城镇西关村3号")
    assert services.warnings_compute_same_address() == 3
    assert set(selectors.warning_population(WarningKind.SAME_ADDRESS)) == {a, b, c}
    assert alone not in selectors.warning_population(WarningKind.SAME_ADDRESS)
    c.address = "阳城县凤城镇北关村8号"
    c.save()
    services.warnings_compute_same_address()
    assert set(selectors.warning_population(WarningKind.SAME_ADDRESS)) == {a, b}
    assert RiskWarning.objects.filter(target=c, removed_on__isnull=False).exists()  # history stays


def test_it_imports_flag_populations_and_reports_unknown_codes(targets: list[Target]) -> None:
    missing = services.warnings_import(
        kind=WarningKind.ZERO_ANNUAL_REPORT,
        credit_codes=[targets[0].credit_code, enterprise_code(88_888)],
        source="年报系统",
    )
    assert missing == [enterprise_code(88_888)]
    assert list(selectors.warning_population(WarningKind.ZERO_ANNUAL_REPORT)) == [targets[0]]
    with pytest.raises(ValueError, match="系统计算"):
        services.warnings_import(kind=WarningKind.SAME_ADDRESS, credit_codes=[], source="x")


def test_it_ships_the_preset_policies(db: None) -> None:
    names = set(TierPolicy.objects.filter(is_preset=True).values_list("name", flat=True))
    assert names == {"省级四档比例（2021）", "市级分档区间", "基准比例递加"}
    province = TierPolicy.objects.get(name="省级四档比例（2021）").as_spec()
    assert [province.rule(t).max_percent for t in "ABCD"] == [1, 2, 10, 30]


def test_it_lets_staff_set_a_tier_of_their_own_targets_only(
    client: Client, targets: list[Target], alice: User, bob: User, ivan: User
) -> None:
    url = reverse("credit_risk:target_tier", args=[targets[0].pk])
    client.force_login(bob)
    assert client.get(url).status_code == 404
    client.force_login(ivan)
    assert client.get(url).status_code == 403
    client.force_login(alice)
    client.post(url, {"tier": "C", "reason": "投诉举报较多"})
    assert CurrentTier.objects.get(target=targets[0]).tier == "C"
    assert "C 较高风险" in client.get(url).content.decode()


def test_it_imports_tiers_through_the_page(client: Client, targets: list[Target], alice: User, tmp_path: Path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    path = _workbook(tmp_path / "t.xlsx", [[1, targets[0].name, targets[0].credit_code, "B"]])
    client.force_login(alice)
    client.post(reverse("credit_risk:tier_import"), {"file": SimpleUploadedFile("t.xlsx", path.read_bytes())})
    assert CurrentTier.objects.get(target=targets[0]).tier == "B"


def test_it_edits_a_policy_and_refuses_a_floor_above_the_ceiling(client: Client, olivia: User) -> None:
    policy = TierPolicy.objects.get(name="基准比例递加")
    client.force_login(olivia)
    data = {"description": "试行", "warning_percent": "5"}
    for t in ["A", "B", "C", "D", "none"]:
        data |= {f"{t}_weight": "1", f"{t}_min": "0", f"{t}_max": "100"}
    client.post(reverse("credit_risk:policy_edit", args=[policy.pk]), data | {"D_weight": "3"})
    policy.refresh_from_db()
    assert policy.rules["D"]["weight"] == "3" and policy.warning_percent == 5
    response = client.post(reverse("credit_risk:policy_edit", args=[policy.pk]), data | {"C_min": "50", "C_max": "20"})
    assert "上限不能小于下限" in response.content.decode()


def test_it_recomputes_the_address_population_in_the_worker(
    client: Client,
    alice: User,
    amr: Department,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    TargetFactory(department=amr, address="阳城县凤城镇东关村 12 号")
    TargetFactory(department=amr, address="阳城县凤城镇东关村12号")
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("credit_risk:warning_recompute"))
    assert selectors.warning_counts() == {WarningKind.SAME_ADDRESS: 2}
