"""The demo county: what it contains, that a second run changes nothing, and the DEBUG guard."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q
from django.test import override_settings

from registries import credit_code, demo
from registries.models import (
    ChecklistItem,
    ChecklistItemVersion,
    Conflict,
    Department,
    DepartmentAlias,
    DuplicateFlag,
    Expert,
    ExpertKind,
    Inspector,
    InspectorStatus,
    ItemClaim,
    Level,
    Region,
    Role,
    Tag,
    Target,
    TargetKind,
    TargetStatus,
    User,
)

SMALL = 400
SAMPLE_OBJECT_TYPES = [
    "粮食收购企业",
    "加油站",
    "眼镜制配场所",
    "食品生产企业",
    "工业产品生产许可证获证企业",
    "学校",
    "旅馆",
    "建筑工程项目",
]

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded() -> demo.Stats:
    return demo.load(targets=SMALL)


def snapshot() -> dict[str, object]:
    models = [Region, Department, DepartmentAlias, Tag, Target, Inspector, Expert, Conflict, ChecklistItem,
              ChecklistItemVersion, ItemClaim, User, DuplicateFlag]  # fmt: skip
    counts: dict[str, object] = {m.__name__: m.objects.count() for m in models}
    counts["target_updates"] = sorted(Target.objects.values_list("id", "updated_at", "status"))
    counts["passwords"] = sorted(User.objects.values_list("username", "password"))
    counts["tag_links"] = Target.tags.through.objects.count()
    return counts


def test_it_creates_the_departments_of_the_sample_plans_with_their_aliases(loaded: demo.Stats) -> None:
    def by_alias(name: str) -> Department:
        return DepartmentAlias.objects.select_related("department").get(name=name).department

    assert by_alias("县交通局").name == "阳城县交通运输局"
    assert by_alias("县消防大队").name == "阳城县消防救援大队"
    assert by_alias("市生态环境局 阳城分局") == by_alias("市生态环境局阳城分局")
    assert by_alias("发改局").name == "阳城县发展和改革局"
    assert by_alias("市场监管局").name == "阳城县市场监督管理局"
    assert by_alias("统计局").name == "阳城县统计局"
    for alias in ["县教育局", "县住建局", "县人社局"]:
        assert by_alias(alias).level == Level.COUNTY
    city = Department.objects.get(name="晋城市市场监督管理局")
    assert city.level == Level.CITY
    assert city.region.code == "140500"
    assert by_alias("食品生产科").parent == city
    assert by_alias("标准管理理科").parent == city  # the spelling of the city plan
    office = by_alias("双随机工作领导小组办公室")
    assert office.is_leading_group_office


def test_it_creates_a_city_a_county_and_its_towns(loaded: demo.Stats) -> None:
    county = Region.objects.get(code="140522")
    assert (county.name, county.level, county.parent.code) == ("阳城县", Level.COUNTY, "140500")
    towns = county.children.all()
    assert towns.count() == 17
    assert {t.level for t in towns} == {Level.TOWN}
    assert "凤城镇" in {t.name for t in towns}


def test_it_creates_targets_with_valid_credit_codes_and_realistic_shapes(loaded: demo.Stats) -> None:
    assert SMALL <= Target.objects.count() <= SMALL + 10
    for code, region in Target.objects.filter(credit_code__isnull=False).values_list("credit_code", "region__code"):
        assert credit_code.validate(code) == code
        assert code[2:8] == region
    for number in Target.objects.exclude(registration_no="").values_list("registration_no", flat=True):
        assert len(number) == 15
        assert number.isdigit()
    assert not Target.objects.filter(credit_code__isnull=True, identifier__isnull=True).exists()
    assert Target.objects.filter(kind=TargetKind.PROJECT, identifier__isnull=False).exists()
    statuses = set(Target.objects.values_list("status", flat=True))
    assert {TargetStatus.ACTIVE, TargetStatus.CANCELLED, TargetStatus.REVOKED} <= statuses
    assert Target.objects.filter(name__startswith="阳城县", address__startswith="山西省晋城市阳城县").exists()


def test_it_has_targets_of_every_object_type_the_samples_inspect(loaded: demo.Stats) -> None:
    for tag in SAMPLE_OBJECT_TYPES:
        assert Target.objects.filter(tags__name=tag, status=TargetStatus.ACTIVE).count() >= 3, tag


def test_it_gives_grain_buyers_to_the_development_and_reform_bureau(loaded: demo.Stats) -> None:
    departments = set(Target.objects.filter(tags__name="粮食收购企业").values_list("department__name", flat=True))
    assert departments == {"阳城县发展和改革局"}


def test_it_plants_likely_duplicates_that_the_duplicate_finder_finds(loaded: demo.Stats) -> None:
    assert loaded.created["疑似重复"] == 6
    assert DuplicateFlag.objects.count() == 6
    old_records = Target.objects.filter(credit_code__isnull=True).exclude(kind=TargetKind.PROJECT)
    assert old_records.count() == 6
    for record in old_records:
        assert DuplicateFlag.objects.filter(Q(first=record) | Q(second=record)).exists()


def test_it_creates_inspectors_with_expertise_and_some_unmatchable(loaded: demo.Stats) -> None:
    inspectors = Inspector.objects.annotate(n=Count("expertise"))
    assert 190 <= inspectors.count() <= 220
    assert not inspectors.filter(n=0).exists()
    assert {"食品", "计量", "特种设备", "粮食", "消防", "建筑", "教育"} <= set(
        inspectors.values_list("expertise__name", flat=True)
    )
    assert inspectors.filter(status=InspectorStatus.TRANSFERRED).exists()
    assert inspectors.filter(status=InspectorStatus.RETIRED).exists()
    expired = [i for i in inspectors.filter(status=InspectorStatus.ACTIVE) if not i.is_matchable()]
    assert expired
    assert sum(i.is_matchable() for i in inspectors) > 150


def test_it_creates_experts_institutions_and_declared_conflicts(loaded: demo.Stats) -> None:
    assert Expert.objects.filter(kind=ExpertKind.INSTITUTION).count() >= 5
    assert Expert.objects.filter(kind=ExpertKind.PERSON).count() >= 10
    assert Conflict.objects.count() >= 10
    for conflict in Conflict.objects.select_related("inspector", "target"):
        assert conflict.inspector.department_id == conflict.target.department_id


def test_it_creates_claimed_versioned_checklist_items_with_legal_bases(loaded: demo.Stats) -> None:
    items = ChecklistItem.objects.all()
    assert items.count() >= 20
    for item in items:
        current = item.current_version
        assert current is not None
        assert current.legal_bases.exists()
        assert current.methods
        assert item.claims.exists()
    food = ChecklistItem.objects.get(code="SC-008")
    assert food.versions.count() == 2
    assert food.versions.get(version=1).superseded_at is not None
    grain = ChecklistItem.objects.get(code="FG-001")
    assert list(grain.claimed_by.values_list("name", flat=True)) == ["阳城县发展和改革局"]
    assert "粮食收购" in grain.current_version.name


def test_it_creates_a_user_per_role_whose_demo_password_works(loaded: demo.Stats) -> None:
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    for spec in demo.DEMO_USERS:
        user = User.objects.get(username=spec.username)
        assert user.check_password(demo.demo_password(spec.username)), spec.username
        assert user.role == spec.role
    inspector_user = User.objects.get(username="inspector")
    assert inspector_user.inspector.is_matchable()
    assert User.objects.get(username="office").department.is_leading_group_office
    assert User.objects.get(username="drc_staff").department.name == "阳城县发展和改革局"


def test_demo_passwords_come_from_the_secret_key_not_the_repository() -> None:
    first = demo.demo_password("amr_staff")
    with override_settings(SECRET_KEY="another-installation-another-key"):
        assert demo.demo_password("amr_staff") != first
    assert demo.demo_password("amr_staff") == first
    assert demo.demo_password("drc_staff") != first
    assert len(first) >= 8
    assert any(c.isupper() for c in first) and any(c.islower() for c in first) and any(c.isdigit() for c in first)


def test_a_second_run_changes_nothing(loaded: demo.Stats) -> None:
    assert loaded.total > SMALL
    before = snapshot()
    again = demo.load(targets=SMALL)
    assert again.total == 0
    assert again.summary() == "演示数据已存在，未作任何修改"
    assert snapshot() == before


def test_it_is_deterministic() -> None:
    demo.load(targets=SMALL)
    codes = sorted(Target.objects.values_list("credit_code", "name"), key=str)
    Target.tags.through.objects.all().delete()
    DuplicateFlag.objects.all().delete()
    Conflict.objects.all().delete()
    Target.objects.all().delete()
    demo.load(targets=SMALL)
    assert sorted(Target.objects.values_list("credit_code", "name"), key=str) == codes


def test_the_loader_refuses_without_debug() -> None:
    with pytest.raises(CommandError, match="DEBUG 未开启"):
        call_command("load_demo", targets=SMALL)
    assert not Target.objects.exists()
    assert not User.objects.exists()


def test_the_loader_runs_with_force_and_prints_the_logins() -> None:
    out = StringIO()
    call_command("load_demo", targets=SMALL, force=True, stdout=out)
    text = out.getvalue()
    assert "新建：" in text
    assert "amr_staff" in text
    assert demo.demo_password("amr_staff") in text


@override_settings(DEBUG=True)
def test_demo_logins_prints_username_role_department_and_password(loaded: demo.Stats) -> None:
    out = StringIO()
    call_command("demo_logins", stdout=out)
    lines = out.getvalue().splitlines()
    row = next(line for line in lines if line.startswith("drc_staff"))
    assert "部门业务人员" in row
    assert "阳城县发展和改革局" in row
    assert demo.demo_password("drc_staff") in row
    usernames = {u.username for u in demo.DEMO_USERS}
    assert len([line for line in lines if line.split() and line.split()[0] in usernames]) == 9
    assert "系统管理员、安全管理员、审计管理员须使用动态口令（TOTP）" in out.getvalue()


@override_settings(DEBUG=True)
def test_demo_logins_hides_a_password_the_user_changed(loaded: demo.Stats) -> None:
    user = User.objects.get(username="leader")
    user.set_password("An0ther-Secret!")
    user.password_changed_at = user.date_joined + dt.timedelta(days=3)  # as the password change service does
    user.save()
    reset = User.objects.get(username="office")
    reset.password_changed_at = None  # an administrator's reset
    reset.save()
    out = StringIO()
    call_command("demo_logins", stdout=out)
    row = next(line for line in out.getvalue().splitlines() if line.startswith("leader"))
    assert "已修改" in row
    assert demo.demo_password("leader") not in row
    row = next(line for line in out.getvalue().splitlines() if line.startswith("office"))
    assert "已修改" in row
    assert "已修改" not in next(line for line in out.getvalue().splitlines() if line.startswith("amr_staff"))


def test_demo_logins_refuses_without_debug(loaded: demo.Stats) -> None:
    with pytest.raises(CommandError, match="DEBUG 未开启"):
        call_command("demo_logins")


def test_organisation_codes_carry_their_gb_11714_check_character() -> None:
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    for n in range(500):
        code = demo.organisation_code(n)
        check = 11 - sum(int(c, 36) * w for c, w in zip(code[:8], weights, strict=True)) % 11
        assert code[8] == {10: "X", 11: "0"}.get(check, str(check))
    assert len({demo.organisation_code(n) for n in range(5000)}) == 5000


def test_registration_numbers_carry_their_iso_7064_check_digit() -> None:
    """ISO 7064 MOD 11,10: running the recurrence over all 15 digits must end on 1."""
    for n in range(0, 100_000, 997):
        number = demo.registration_number("140522", n)
        assert len(number) == 15
        p = 10
        for digit in number[:-1]:
            p = (2 * ((p + int(digit)) % 10 or 10)) % 11
        assert (p + int(number[-1])) % 10 == 1
