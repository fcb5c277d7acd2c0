"""Who writes tiers and policies, the audit of every write, and the tier import's limits.

A department's staff write the tiers of the targets their department maintains; the office
writes the shared policies. Each guard is tested at the service, and through the page and the
command where those exist; every test here fails if its guard is removed.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credit_risk import services
from credit_risk.access import may_write_policy, may_write_tier
from credit_risk.models import CurrentTier, ObservationPeriod, TierAssessment, TierPolicy
from registries.models import AuditEvent, Department, Target, User
from tests.factories import TargetFactory, enterprise_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def grain(amr: Department, alice: User) -> Target:
    """A market regulation bureau's target, currently B."""
    target = TargetFactory(department=amr, name="阳城县凤城粮油贸易有限公司")
    services.tier_set(target=target, tier="B", reason="年度分类结果", user=alice)
    return target


@pytest.fixture
def fuel(drc: Department) -> Target:
    """A development and reform bureau's target (bob's department)."""
    return TargetFactory(department=drc, name="阳城县晋阳加油站有限公司")


def _tsv(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["统一社会信用代码\t信用风险分类", *(f"{code}\t{tier}" for code, tier in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _current(target: Target) -> str:
    return CurrentTier.objects.get(target=target).tier


def _policy_data(**changes: str) -> dict[str, str]:
    data = {"description": "试行", "warning_percent": "5"}
    for t in ["A", "B", "C", "D", "none"]:
        data |= {f"{t}_weight": "1", f"{t}_min": "0", f"{t}_max": "100"}
    return data | changes


# --- the rule -----------------------------------------------------------------------------


def test_the_rule_gives_tiers_to_the_owning_departments_staff_and_policies_to_the_office(
    grain: Target, alice: User, bob: User, olivia: User, ivan: User
) -> None:
    assert may_write_tier(alice, grain)
    assert not may_write_tier(bob, grain)  # staff of another department
    assert not may_write_tier(olivia, grain)  # the office reads every tier, writes none
    assert not may_write_tier(ivan, grain)  # an inspector of the owning department
    alice.is_active = False
    assert not may_write_tier(alice, grain)
    assert may_write_policy(olivia)
    assert not may_write_policy(alice) and not may_write_policy(bob) and not may_write_policy(ivan)


# --- another department cannot change a tier: service, page, command ----------------------


def test_the_import_service_refuses_another_departments_target_and_changes_nothing(
    grain: Target, bob: User, tmp_path: Path
) -> None:
    result = services.tiers_import(path=_tsv(tmp_path / "t.tsv", [(grain.credit_code, "D")]), user=bob)
    assert not result.ok and result.written == 0
    assert _current(grain) == "B"
    assert TierAssessment.objects.filter(target=grain).count() == 1
    assert not AuditEvent.objects.filter(action="credit_risk.tiers_import").exists()


def test_the_import_says_the_same_of_another_departments_code_and_of_an_unknown_one(
    grain: Target, bob: User, tmp_path: Path
) -> None:
    unknown = enterprise_code(77_777)
    elsewhere = services.tiers_import(path=_tsv(tmp_path / "a.tsv", [(grain.credit_code, "D")]), user=bob)
    nowhere = services.tiers_import(path=_tsv(tmp_path / "b.tsv", [(unknown, "D")]), user=bob)
    assert [e.replace(grain.credit_code, "CODE") for e in elsewhere.errors] == [
        e.replace(unknown, "CODE") for e in nowhere.errors
    ]
    assert len(elsewhere.errors) == 1


def test_the_import_page_refuses_another_departments_target_and_is_no_oracle(
    client: Client, grain: Target, bob: User
) -> None:
    client.force_login(bob)
    url = reverse("credit_risk:tier_import")

    def post(code: str) -> str:
        upload = SimpleUploadedFile("tiers.tsv", f"统一社会信用代码\t信用风险分类\n{code}\tD\n".encode())
        response = client.post(url, {"file": upload})
        assert response.status_code == 200
        return response.content.decode().replace(code, "CODE")

    unknown = enterprise_code(66_666)
    elsewhere, nowhere = post(grain.credit_code), post(unknown)
    assert _current(grain) == "B"
    # The pages differ in nothing but the code itself (and the CSRF token, masked anew per response).
    assert re.sub(r"[A-Za-z0-9]{64}", "TOKEN", elsewhere) == re.sub(r"[A-Za-z0-9]{64}", "TOKEN", nowhere)
    assert "本部门维护的检查对象中没有统一社会信用代码为 CODE 的对象" in elsewhere


def test_the_command_imports_as_a_named_account_under_the_same_rule(
    grain: Target, bob: User, ivan: User, alice: User, tmp_path: Path
) -> None:
    path = _tsv(tmp_path / "t.tsv", [(grain.credit_code, "D")])
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入"):
        call_command("import_tiers", str(path), "--user", "bob", stdout=io.StringIO(), stderr=err)
    assert "本部门维护的检查对象中没有" in err.getvalue()
    with pytest.raises(CommandError, match="业务人员"):
        call_command("import_tiers", str(path), "--user", "ivan", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError):
        call_command("import_tiers", str(path), stdout=io.StringIO(), stderr=io.StringIO())  # no --user
    assert _current(grain) == "B"
    call_command("import_tiers", str(path), "--user", "alice", stdout=io.StringIO())
    assert _current(grain) == "D"
    event = AuditEvent.objects.get(action="credit_risk.tiers_import")
    assert event.actor_id == alice.pk


def test_tier_set_refuses_anyone_but_the_owning_departments_staff(
    grain: Target, bob: User, olivia: User, ivan: User
) -> None:
    for user in (bob, olivia, ivan):
        with pytest.raises(PermissionDenied):
            services.tier_set(target=grain, tier="D", reason="投诉较多", user=user)
    assert _current(grain) == "B"
    assert TierAssessment.objects.filter(target=grain).count() == 1


def test_the_tier_page_refuses_another_department(
    client: Client, grain: Target, alice: User, bob: User, olivia: User
) -> None:
    url = reverse("credit_risk:target_tier", args=[grain.pk])
    client.force_login(bob)
    assert client.post(url, {"tier": "D", "reason": "投诉较多"}).status_code == 404
    client.force_login(olivia)
    assert client.post(url, {"tier": "D", "reason": "投诉较多"}).status_code == 403
    assert _current(grain) == "B"
    page = client.get(url).content.decode()  # the office reads the tier, and is offered no form to set it
    assert "B 一般风险" in page and 'name="reason"' not in page
    client.force_login(alice)
    assert 'name="reason"' in client.get(url).content.decode()


def test_observation_set_refuses_another_department(grain: Target, bob: User) -> None:
    import datetime as dt

    with pytest.raises(PermissionDenied):
        services.observation_set(
            target=grain, starts_on=dt.date(2026, 6, 1), ends_on=dt.date(2026, 12, 31), reason="新业态", user=bob
        )
    assert not ObservationPeriod.objects.exists()


# --- every tier change is audited with before and after -------------------------------------


def test_a_tier_set_by_hand_is_audited_with_before_and_after(grain: Target, alice: User) -> None:
    first = AuditEvent.objects.get(action="credit_risk.tier_set", object_id=str(grain.pk))
    assert (first.detail["before"], first.detail["after"]) == ("none", "B")
    services.tier_set(target=grain, tier="C", reason="现场检查发现问题", user=alice)
    event = AuditEvent.objects.filter(action="credit_risk.tier_set").latest("seq")
    assert event.actor_id == alice.pk
    assert (event.detail["before"], event.detail["after"]) == ("B", "C")
    assert event.detail["reason"] == "现场检查发现问题"


def test_an_import_is_audited_with_every_targets_tier_before_and_after(
    grain: Target, amr: Department, alice: User, tmp_path: Path
) -> None:
    new = TargetFactory(department=amr)
    path = _tsv(tmp_path / "q3.tsv", [(grain.credit_code, "D"), (new.credit_code, "A")])
    assert services.tiers_import(path=path, user=alice).ok
    event = AuditEvent.objects.get(action="credit_risk.tiers_import")
    assert event.actor_id == alice.pk
    assert event.detail["file"] == "q3.tsv" and event.detail["written"] == 2
    assert sorted(event.detail["tiers"]) == sorted([[grain.credit_code, "B", "D"], [new.credit_code, "none", "A"]])


# --- policies: the office only, audited ------------------------------------------------------


def test_only_the_office_edits_a_policy_and_every_edit_is_audited(
    client: Client, alice: User, bob: User, olivia: User
) -> None:
    policy = TierPolicy.objects.get(name="基准比例递加")
    before = policy.rules
    url = reverse("credit_risk:policy_edit", args=[policy.pk])
    for user in (alice, bob):
        client.force_login(user)
        assert client.post(url, _policy_data(D_weight="9")).status_code == 403
        assert 'name="D_weight"' not in client.get(url).content.decode()
    policy.refresh_from_db()
    assert policy.rules == before
    assert not AuditEvent.objects.filter(action="credit_risk.policy_update").exists()
    client.force_login(olivia)
    assert client.post(url, _policy_data(D_weight="3")).status_code == 302
    policy.refresh_from_db()
    assert policy.rules["D"]["weight"] == "3"
    event = AuditEvent.objects.get(action="credit_risk.policy_update")
    assert event.actor_id == olivia.pk and event.object_id == str(policy.pk)
    assert event.detail["before"]["rules"] == before
    assert event.detail["after"]["rules"]["D"]["weight"] == "3"
    assert event.detail["after"]["warning_percent"] == "5"


def test_the_policy_service_refuses_department_staff(alice: User) -> None:
    policy = TierPolicy.objects.get(name="基准比例递加")
    with pytest.raises(PermissionDenied):
        services.policy_update(
            policy=policy, rules=policy.rules, description="改", warning_percent=policy.warning_percent, user=alice
        )
    policy.refresh_from_db()
    assert policy.description != "改"


# --- limits and the shared reader ------------------------------------------------------------


def test_a_20_mb_csv_is_refused_before_it_is_read_with_a_small_page(client: Client, alice: User) -> None:
    row = f"{enterprise_code(1)},B\n".encode()
    content = "统一社会信用代码,信用风险分类\n".encode() + row * (20 * 1024 * 1024 // len(row))
    client.force_login(alice)
    response = client.post(reverse("credit_risk:tier_import"), {"file": SimpleUploadedFile("big.csv", content)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "文件过大" in body
    assert len(response.content) < 50_000
    assert not TierAssessment.objects.exists()


def test_the_service_refuses_a_file_over_the_size_limit(
    grain: Target, alice: User, tmp_path: Path, settings: object
) -> None:
    settings.TIER_IMPORT_MAX_UPLOAD_BYTES = 100  # type: ignore[attr-defined]
    path = _tsv(tmp_path / "t.tsv", [(grain.credit_code, "D")] * 10)
    result = services.tiers_import(path=path, user=alice)
    assert result.errors and result.errors[0].startswith("文件过大")
    assert _current(grain) == "B"


def test_a_file_over_the_row_limit_is_refused_as_a_whole(
    grain: Target, alice: User, tmp_path: Path, settings: object
) -> None:
    settings.TIER_IMPORT_MAX_ROWS = 50  # type: ignore[attr-defined]
    path = _tsv(tmp_path / "t.tsv", [(grain.credit_code, "D")] * 60)
    result = services.tiers_import(path=path, user=alice)
    assert result.errors == ["文件行数过多（超过 50 行），请拆分后分批导入"]
    assert _current(grain) == "B"


def test_the_page_lists_at_most_a_hundred_rejected_rows_and_counts_the_rest(client: Client, alice: User) -> None:
    content = "统一社会信用代码\t信用风险分类\n" + "".join(f"{enterprise_code(n)}\tB\n" for n in range(1, 351))
    client.force_login(alice)
    response = client.post(reverse("credit_risk:tier_import"), {"file": SimpleUploadedFile("t.tsv", content.encode())})
    body = response.content.decode()
    assert body.count("本部门维护的检查对象中没有") == services.SHOWN_ERRORS == 100
    assert "另有 250 处错误未列出" in body


def test_a_workbook_goes_through_the_shared_reader_which_refuses_formulas(
    grain: Target, alice: User, tmp_path: Path
) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["统一社会信用代码", "信用风险分类"])
    ws.append([grain.credit_code, '=IF(1,"D","A")'])
    wb.save(tmp_path / "t.xlsx")
    result = services.tiers_import(path=tmp_path / "t.xlsx", user=alice)
    assert not result.ok and "公式" in result.errors[0]
    assert _current(grain) == "B"


def test_a_nul_byte_or_a_huge_field_is_a_clear_refusal(grain: Target, alice: User, tmp_path: Path) -> None:
    nul = tmp_path / "nul.csv"
    nul.write_bytes(f'统一社会信用代码,信用风险分类\n{grain.credit_code},"D\x00\n'.encode())
    huge = tmp_path / "huge.csv"
    huge.write_text(f'统一社会信用代码,信用风险分类\n{grain.credit_code},"{"D" * 200_000}"\n', encoding="utf-8")
    for path in (nul, huge):
        result = services.tiers_import(path=path, user=alice)
        assert not result.ok
        assert all(len(e) < 200 for e in result.errors)  # the cell is never echoed whole
    assert _current(grain) == "B"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cell=st.text(max_size=300))
def test_any_tier_cell_is_a_tier_or_one_short_row_error(cell: str) -> None:
    try:
        tier = services.parse_tier(cell)
    except ValueError as exc:
        assert len(str(exc)) < 120
    else:
        assert tier in {"A", "B", "C", "D", "none"}
