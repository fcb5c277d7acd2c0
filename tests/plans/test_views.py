"""Staff pages of plans: import with preview, access by owner, publish, export, adjustments."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from plans.models import Adjustment, AdjustmentStatus, Plan, PlanStatus
from plans.services import plan_import, plan_publish
from registries.models import Department, DepartmentAlias, Level, Region, RegionalDepartmentAlias, Role, User
from tests.factories import RegionFactory, UserFactory
from tests.plans.conftest import SAMPLES


def login_office(client: Client, user: User) -> None:
    """The office passes TOTP before any page: log in as if the token had been verified."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _upload(client: Client, name: str, year: int) -> str:
    data = (SAMPLES / name).read_bytes()
    response = client.post(reverse("plans:upload"), {"file": SimpleUploadedFile(name, data), "year": year})
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


@pytest.fixture
def county_staff(drc: Department, amr: Department) -> User:
    return UserFactory(username="zhou", full_name="周涛", role=Role.STAFF, department=drc)


def test_it_previews_every_parsed_field_and_the_unresolved_name(client: Client, county_staff: User) -> None:
    client.force_login(county_staff)
    preview = _upload(client, "plan-2022-county-drc.xlsx", 2022)
    body = client.get(preview).content.decode()
    assert "统计局" in body and 'name="map_0"' in body
    for text in ("部门联合粮食企业监督检查", "40%", "3–11", "阳城县市场监督管理局", "部门联合", "内部"):
        assert text in body
    assert not Plan.objects.exists()


def test_it_maps_an_unknown_name_to_a_department_then_commits(
    client: Client, county_staff: User, drc: Department
) -> None:
    stats = Department.objects.create(name="国家统计局阳城调查队", level=drc.level, region=drc.region)
    client.force_login(county_staff)
    preview = _upload(client, "plan-2022-county-drc.tsv", 2022)
    response = client.post(preview, {"map_0": str(stats.pk)})
    plan = Plan.objects.get()
    assert response["Location"] == reverse("plans:detail", args=[plan.pk])
    assert plan.owner == drc and plan.year == 2022
    assert plan.tasks.get(number=2).initiator == stats
    # next time it resolves by itself, in this county's tables only
    assert RegionalDepartmentAlias.objects.get(name="统计局", region=drc.region).department == stats
    assert not DepartmentAlias.objects.filter(name="统计局").exists()


def test_it_creates_a_department_from_the_preview(client: Client, county_staff: User) -> None:
    client.force_login(county_staff)
    preview = _upload(client, "plan-2022-county-drc.xlsx", 2022)
    client.post(preview, {"map_0": "new"})
    assert Plan.objects.get().tasks.get(number=2).initiator.name == "统计局"


def test_it_commits_nothing_until_every_name_is_resolved(client: Client, county_staff: User) -> None:
    client.force_login(county_staff)
    preview = _upload(client, "plan-2022-county-drc.xlsx", 2022)
    response = client.post(preview, {"map_0": ""})
    assert response.status_code == 200
    assert "请为“统计局”选择对应的部门或新建部门" in response.content.decode()
    assert not Plan.objects.exists()


def test_it_refuses_files_that_are_not_tables(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post(reverse("plans:upload"), {"file": SimpleUploadedFile("plan.docx", b"x"), "year": 2023})
    assert response.status_code == 200
    assert "只接受 .xlsx、.xls、.tsv 或 .csv 文件" in response.content.decode()


@pytest.fixture
def alice_plan(alice: User, amr: Department, drc: Department) -> Plan:
    """The county sample filed under alice's department (its names all resolve)."""
    Department.objects.create(name="阳城县统计局", short_name="统计局", level=amr.level, region=amr.region)
    return plan_import(path=SAMPLES / "plan-2022-county-drc.xlsx", year=2022, owner=amr, user=alice)


def test_it_shows_a_plan_to_its_owner_and_the_office_but_not_to_another_department(
    client: Client, alice_plan: Plan, alice: User, olivia: User, region: Region
) -> None:
    url = reverse("plans:detail", args=[alice_plan.pk])
    client.force_login(alice)
    assert client.get(url).status_code == 200
    assert alice_plan.title in client.get(reverse("plans:list")).content.decode()
    # a department the plan does not name (bob's DRC cooperates in it: tests/plans/test_cooperating_access.py)
    edu = Department.objects.create(name="阳城县教育局", short_name="县教育局", level=Level.COUNTY, region=region)
    client.force_login(UserFactory(username="chen", full_name="陈静", role=Role.STAFF, department=edu))
    assert client.get(url).status_code == 404
    assert alice_plan.title not in client.get(reverse("plans:list")).content.decode()
    assert client.get(reverse("plans:export", args=[alice_plan.pk, "json"])).status_code == 404
    login_office(client, olivia)
    assert client.get(url).status_code == 200


def test_it_keeps_plans_from_inspectors(client: Client, alice_plan: Plan, ivan: User) -> None:
    client.force_login(ivan)
    assert client.get(reverse("plans:detail", args=[alice_plan.pk])).status_code == 403


def test_it_lets_only_the_owner_publish(client: Client, alice_plan: Plan, alice: User, olivia: User) -> None:
    url = reverse("plans:publish", args=[alice_plan.pk])
    login_office(client, olivia)
    assert client.post(url).status_code == 403
    client.force_login(alice)
    client.post(url)
    alice_plan.refresh_from_db()
    assert alice_plan.status == PlanStatus.PUBLISHED
    assert alice_plan.versions.get().number == 1
    client.post(url)  # a second click publishes nothing new
    assert alice_plan.versions.count() == 1
    from registries.models.audit import AuditEvent

    event = AuditEvent.objects.get(action="plan.publish")
    assert (event.actor, event.object_id) == (alice, str(alice_plan.pk))


def test_it_exports_json_and_xlsx_to_staff(client: Client, alice_plan: Plan, alice: User) -> None:
    client.force_login(alice)
    response = client.get(reverse("plans:export", args=[alice_plan.pk, "json"]))
    data = json.loads(response.content)
    assert [t["number"] for t in data["tasks"]] == [1, 2, 3]
    assert data["tasks"][1]["initiator"] == "阳城县统计局"
    xlsx = client.get(reverse("plans:export", args=[alice_plan.pk, "xlsx"]))
    assert xlsx.content[:2] == b"PK"
    assert client.get(reverse("plans:export", args=[alice_plan.pk, "csv"])).status_code == 404


def test_it_files_an_adjustment_as_a_new_version(client: Client, alice_plan: Plan, alice: User, olivia: User) -> None:
    plan_publish(plan=alice_plan, user=alice)
    revised = (
        (SAMPLES / "plan-2022-county-drc.tsv").read_text(encoding="utf-8").replace("40%; 1 次 / 年", "50%; 2 次 / 年")
    )
    client.force_login(alice)
    response = client.post(
        reverse("plans:adjustment_create", args=[alice_plan.pk]),
        {
            "reason": "因机构改革调整第1项任务比例",
            "scan": SimpleUploadedFile("调整函.pdf", b"%PDF-1.4 sealed"),
            "revised_table": SimpleUploadedFile("revised.tsv", revised.encode()),
        },
    )
    assert response.status_code == 302
    adjustment = Adjustment.objects.get()
    assert adjustment.status == AdjustmentStatus.SUBMITTED
    assert client.post(reverse("plans:adjustment_detail", args=[adjustment.pk]), {"action": "file"}).status_code == 403
    login_office(client, olivia)
    assert client.get(reverse("plans:adjustment_file", args=[adjustment.pk, "scan"])).getvalue() == b"%PDF-1.4 sealed"
    client.post(reverse("plans:adjustment_detail", args=[adjustment.pk]), {"action": "file", "note": "同意备案"})
    alice_plan.refresh_from_db()
    assert alice_plan.status == PlanStatus.ADJUSTED
    first, second = alice_plan.versions.order_by("number")
    assert first.tasks[0]["ratio"]["percent"] == "40" and second.tasks[0]["ratio"]["percent"] == "50"
    assert second.tasks[0]["times_per_year"] == 2
    assert alice_plan.tasks.get(number=1).ratio_percent == 50


def test_it_refuses_an_adjustment_without_a_readable_table(client: Client, alice_plan: Plan, alice: User) -> None:
    plan_publish(plan=alice_plan, user=alice)
    client.force_login(alice)
    response = client.post(
        reverse("plans:adjustment_create", args=[alice_plan.pk]),
        {
            "reason": "调整",
            "scan": SimpleUploadedFile("调整函.pdf", b"%PDF"),
            "revised_table": SimpleUploadedFile(
                "revised.tsv", "序号\t抽查任务名称\t抽查比例\n1\t任务\t很多\n".encode()
            ),
        },
    )
    assert "第 2 行：无法识别的抽查比例“很多”" in response.content.decode()
    assert not Adjustment.objects.exists()


def test_it_shows_per_tier_counts_for_a_task_with_a_scope(client: Client, alice_plan: Plan, alice: User) -> None:
    task = alice_plan.tasks.get(number=1)
    client.force_login(alice)
    response = client.get(reverse("plans:task_allocation", args=[task.pk]))
    assert response.status_code == 200
    assert "共抽取 0 / 0" in response.content.decode()  # 全县 scope: the county's region, still empty


def test_it_sets_a_task_scope_and_shows_the_counts_the_policy_draws(
    client: Client, alice_plan: Plan, alice: User, bob: User, amr: Department
) -> None:
    from credit_risk.models import TierPolicy
    from credit_risk.services import tier_set
    from registries.models import Tag
    from tests.factories import TargetFactory

    tag = Tag.objects.create(name="粮食收购企业")
    for n, tier in enumerate(["A"] * 6 + ["B"] * 3 + ["D"]):
        target = TargetFactory(department=amr)
        target.tags.add(tag)
        tier_set(target=target, tier=tier, reason=f"第{n}次评价", user=alice)
    task = alice_plan.tasks.get(number=1)
    policy = TierPolicy.objects.get(name="省级四档比例（2021）")
    url = reverse("plans:task_edit", args=[task.pk])
    client.force_login(bob)
    assert client.get(url).status_code == 404
    client.force_login(alice)
    client.post(url, {"scope_tags": [tag.pk], "uses_tiers": "on", "policy": policy.pk, "scope_kinds": ["enterprise"]})
    task.refresh_from_db()
    assert task.policy == policy and task.scope_kinds == ["enterprise"]
    body = client.get(reverse("plans:task_allocation", args=[task.pk])).content.decode()
    # 1% of 6, 2% of 3, 30% of 1 is 0.42: at least 3 objects, rates rising from A to D
    assert "共抽取 3 / 10" in body
    assert "D 30%（1/1）" in body


def test_it_refuses_an_upload_over_the_size_limit_and_stores_nothing(
    client: Client,
    county_staff: User,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    client.force_login(county_staff)
    big = SimpleUploadedFile("plan.tsv", b"x" * (1024 * 1024 + 1))
    response = client.post(reverse("plans:upload"), {"file": big, "year": 2022})
    assert response.status_code == 200
    assert "文件过大" in response.content.decode()
    folder = settings.MEDIA_ROOT / "plan_imports"
    assert not folder.exists() or not any(folder.iterdir())


def test_stored_uploads_are_removed_once_imported_or_abandoned(
    client: Client,
    county_staff: User,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    folder = settings.MEDIA_ROOT / "plan_imports"
    client.force_login(county_staff)
    first = _upload(client, "plan-2022-county-drc.tsv", 2022)
    assert len(list(folder.iterdir())) == 1
    second = _upload(client, "plan-2022-county-drc.xlsx", 2022)  # the first upload is abandoned
    assert [p.suffix for p in folder.iterdir()] == [".xlsx"]
    assert client.get(first).status_code == 404
    client.post(second, {"step": "abandon"})
    assert not any(folder.iterdir())
    third = _upload(client, "plan-2022-county-drc.tsv", 2022)
    client.post(third, {"map_0": "new"})
    assert Plan.objects.exists()
    assert not any(folder.iterdir())


GRAIN_TABLE = [
    [
        "序号",
        "抽查任务名称",
        "抽查比例",
        "信用风险分类运用",
        "抽查方式",
        "抽查时间",
        "发起部门",
        "配合部门",
        "联系电话",
    ],
    [1, "粮食收购企业联合检查", "10%", "是", "县抽县查", "3月-10月", "县发改局", "市粮食和物资储备局", "0356-1"],
]


@pytest.fixture
def city(county_staff: User) -> Region:
    """晋城市, the parent of the county staff's county."""
    city = RegionFactory(code="140500", name="晋城市", level=Level.CITY)
    county = county_staff.department.region  # type: ignore[union-attr]
    county.parent = city
    county.save()
    return city


@pytest.fixture
def grain_preview(
    client: Client,
    county_staff: User,
    city: Region,
    tmp_path,  # type: ignore[no-untyped-def]
) -> str:
    """The preview of a county table with a column nobody knows (联系电话, column 8) and a city
    department nobody knows (市粮食和物资储备局)."""
    from tests.registries.import_workbooks import write_xlsx

    path = write_xlsx(tmp_path / "plan.xlsx", GRAIN_TABLE)
    client.force_login(county_staff)
    response = client.post(
        reverse("plans:upload"), {"file": SimpleUploadedFile("plan.xlsx", path.read_bytes()), "year": 2022}
    )
    return str(response["Location"])


def test_the_preview_maps_an_unknown_column_and_places_a_new_department(
    client: Client, grain_preview: str, city: Region
) -> None:
    preview = grain_preview
    body = client.get(preview).content.decode()
    assert "联系电话" in body and 'name="col_8"' in body
    assert "确认导入" not in body  # an unknown column: no commit yet
    client.post(preview, {"step": "columns", "col_8": "remark"})
    body = client.get(preview).content.decode()
    assert "确认导入" in body
    # the new department is offered at the level and region its name says, and can be corrected
    assert f'<option value="{city.pk}" selected>晋城市</option>' in body
    assert f'<option value="{Level.CITY}" selected>' in body
    client.post(preview, {"map_0": "new", "level_0": Level.CITY, "region_0": str(city.pk)})
    task = Plan.objects.get().tasks.get()
    assert task.remark == "0356-1"
    assert task.uses_tiers is True and task.modes == ["县抽县查"]
    created = Department.objects.get(name="市粮食和物资储备局")
    assert (created.level, created.region) == (Level.CITY, city)


def test_a_corrected_level_and_region_are_the_new_departments(
    client: Client, grain_preview: str, county_staff: User
) -> None:
    county = county_staff.department.region  # type: ignore[union-attr]
    client.post(grain_preview, {"step": "columns", "col_8": "-"})  # ignore 联系电话
    response = client.post(grain_preview, {"map_0": "new", "level_0": Level.COUNTY, "region_0": str(county.pk)})
    assert response.status_code == 302
    created = Department.objects.get(name="市粮食和物资储备局")
    assert (created.level, created.region) == (Level.COUNTY, county)
    assert Plan.objects.get().tasks.get().remark == ""


@pytest.mark.parametrize("choice", ["", "phone", "-x"])
def test_an_unknown_column_left_unmapped_or_mapped_to_no_field_is_refused(
    client: Client, grain_preview: str, choice: str
) -> None:
    from registries.models.imports import ImportMapping

    response = client.post(grain_preview, {"step": "columns", "col_8": choice})
    body = response.content.decode()
    assert response.status_code == 200
    assert "请为“联系电话”列选择对应的字段，或选择忽略" in body
    assert "确认导入" not in body
    assert not ImportMapping.objects.exists()
    # committing anyway imports nothing: the column is still unknown
    response = client.post(grain_preview, {"map_0": "new"})
    assert response.status_code == 200
    assert "联系电话" in response.content.decode()
    assert not Plan.objects.exists()
    assert not Department.objects.filter(name="市粮食和物资储备局").exists()


@pytest.mark.parametrize(
    ("level", "region_pk", "message"),
    [
        ("galaxy", None, "请为“市粮食和物资储备局”选择新建时的层级"),
        (Level.CITY, "999999", "请为“市粮食和物资储备局”选择新建时的区域"),
        (Level.CITY, "晋城市", "请为“市粮食和物资储备局”选择新建时的区域"),
    ],
)
def test_an_invalid_level_or_region_is_refused_and_nothing_is_imported(
    client: Client, grain_preview: str, city: Region, level: str, region_pk: str | None, message: str
) -> None:
    client.post(grain_preview, {"step": "columns", "col_8": "remark"})
    response = client.post(grain_preview, {"map_0": "new", "level_0": level, "region_0": region_pk or str(city.pk)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Plan.objects.exists()
    assert not Department.objects.filter(name="市粮食和物资储备局").exists()


def test_the_preview_refuses_in_english_for_an_english_user(client: Client, grain_preview: str, city: Region) -> None:
    from django.conf import settings as django_settings

    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.post(grain_preview, {"step": "columns", "col_8": "phone"}).content.decode()
    assert "联系电话" in body and "请为“联系电话”列" not in body
    client.post(grain_preview, {"step": "columns", "col_8": "remark"})
    body = client.post(grain_preview, {"map_0": "new", "level_0": "galaxy", "region_0": str(city.pk)}).content.decode()
    assert "Choose the level of the new department “市粮食和物资储备局”" in body
    body = client.post(grain_preview, {"step": "burn"}).content.decode()
    assert "Unknown action; please submit the page again" in body
    assert not Plan.objects.exists()


def test_an_unknown_step_changes_nothing(client: Client, grain_preview: str, settings) -> None:  # type: ignore[no-untyped-def]
    response = client.post(grain_preview, {"step": "burn", "col_8": "remark", "map_0": "new"})
    assert response.status_code == 200
    assert "无法识别的操作，请重新提交" in response.content.decode()
    assert not Plan.objects.exists()
    assert any((settings.MEDIA_ROOT / "plan_imports").iterdir())  # the upload is kept
    assert "确认导入" not in client.get(grain_preview).content.decode()  # the column was not mapped
