"""Likely duplicates: finding them in SQL, idempotence, permission, merge and dismiss."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField, Value
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registries.models import (
    Department,
    DuplicateFlag,
    DuplicateReason,
    DuplicateStatus,
    Tag,
    Target,
    TargetKind,
    TargetStatus,
    User,
)
from registries.services.duplicates import (
    Normalised,
    duplicate_dismiss,
    duplicate_merge,
    duplicates_flag,
    normalise_text,
    suggested_keep,
)
from tests.factories import InspectorFactory, TargetFactory

REG_NO = "140522200012345"


def old_record(department: Department, **fields: object) -> Target:
    """A record from old licensing data: no credit code, only an identifier and the 15-digit number."""
    fields.setdefault("identifier", f"GTH-{Target.objects.count() + 1:06d}")
    return TargetFactory(department=department, kind=TargetKind.INDIVIDUAL, credit_code=None, **fields)


@pytest.fixture
def pair(amr: Department) -> tuple[Target, Target]:
    """The same grain dealer twice: registered with a credit code, and as an old licence record."""
    coded = TargetFactory(department=amr, name="阳城县晋丰粮油有限公司", registration_no=REG_NO, address="")
    old = old_record(amr, name="晋丰粮油", registration_no=REG_NO, address="凤城镇西关村8号")
    return coded, old


@pytest.fixture
def flag(pair: tuple[Target, Target]) -> DuplicateFlag:
    duplicates_flag()
    return DuplicateFlag.objects.get()


def test_it_flags_a_shared_old_registration_number(pair: tuple[Target, Target]) -> None:
    coded, old = pair
    assert duplicates_flag() == 1
    flag = DuplicateFlag.objects.get()
    assert (flag.first_id, flag.second_id) == (min(coded.pk, old.pk), max(coded.pk, old.pk))
    assert flag.reason == DuplicateReason.SAME_REGISTRATION_NO
    assert flag.status == DuplicateStatus.OPEN


def test_it_flags_the_same_name_at_the_same_address_once_normalised(amr: Department) -> None:
    a = TargetFactory(department=amr, name="阳城县明清眼镜店（普通合伙）", address="凤城镇东关村12号")
    b = old_record(amr, name="阳城县 明清眼镜店(普通合伙)", address="凤城镇东关村１２号　")
    TargetFactory(department=amr, name="阳城县明清眼镜店（普通合伙）", address="凤城镇东关村13号")
    assert duplicates_flag() == 1
    flag = DuplicateFlag.objects.get()
    assert {flag.first_id, flag.second_id} == {a.pk, b.pk}
    assert flag.reason == DuplicateReason.SAME_NAME_ADDRESS


def test_it_ignores_blank_addresses_and_registration_numbers(amr: Department) -> None:
    TargetFactory(department=amr, name="阳城县鑫源加油站", address="", registration_no="")
    TargetFactory(department=amr, name="阳城县鑫源加油站", address="", registration_no="")
    assert duplicates_flag() == 0


def test_it_is_idempotent(pair: tuple[Target, Target]) -> None:
    assert duplicates_flag() == 1
    assert duplicates_flag() == 0
    assert DuplicateFlag.objects.count() == 1


def test_it_never_flags_a_dismissed_pair_again(flag: DuplicateFlag, alice: User) -> None:
    duplicate_dismiss(user=alice, flag=flag)
    assert duplicates_flag() == 0
    flag.refresh_from_db()
    assert flag.status == DuplicateStatus.DISMISSED


def test_it_links_a_group_to_its_anchor_not_every_pair(amr: Department) -> None:
    coded = TargetFactory(department=amr, registration_no=REG_NO)
    olds = [old_record(amr, registration_no=REG_NO) for _ in range(3)]
    assert duplicates_flag() == 3
    for flag in DuplicateFlag.objects.all():
        assert coded.pk in (flag.first_id, flag.second_id)
    assert {f.first_id for f in DuplicateFlag.objects.all()} | {f.second_id for f in DuplicateFlag.objects.all()} == {
        coded.pk,
        *(o.pk for o in olds),
    }


def test_it_only_pairs_records_of_one_department(amr: Department, drc: Department) -> None:
    TargetFactory(department=amr, registration_no=REG_NO)
    old_record(drc, registration_no=REG_NO)
    assert duplicates_flag() == 0


def test_it_restricts_a_run_to_one_department(pair: tuple[Target, Target], drc: Department) -> None:
    TargetFactory(department=drc, registration_no="140522200099999")
    old_record(drc, registration_no="140522200099999")
    assert duplicates_flag(department=drc) == 1
    assert DuplicateFlag.objects.get().first.department == drc
    assert duplicates_flag() == 1  # now amr's pair


def test_it_skips_merged_records(pair: tuple[Target, Target]) -> None:
    coded, old = pair
    Target.objects.filter(pk=old.pk).update(status=TargetStatus.MERGED, merged_into=coded)
    assert duplicates_flag() == 0


def test_it_suggests_keeping_the_record_with_a_credit_code(flag: DuplicateFlag, pair: tuple[Target, Target]) -> None:
    assert suggested_keep(flag) == pair[0]


def test_it_merges_into_the_kept_record(flag: DuplicateFlag, pair: tuple[Target, Target], alice: User) -> None:
    coded, old = pair
    grain = Tag.objects.create(name="粮食收购企业")
    old.tags.add(grain)
    inspector = InspectorFactory(department=coded.department, id_number="140522199003151234", phone="13935600002")
    conflict = inspector.conflicts.create(target=old, reason="近亲属任该企业负责人")

    kept = duplicate_merge(user=alice, flag=flag, keep=coded)

    assert kept == coded
    coded.refresh_from_db()
    old.refresh_from_db()
    conflict.refresh_from_db()
    flag.refresh_from_db()
    assert list(coded.tags.all()) == [grain]
    assert conflict.target == coded
    assert coded.address == "凤城镇西关村8号"  # filled from the merged record
    assert old.status == TargetStatus.MERGED
    assert old.merged_into == coded
    assert flag.status == DuplicateStatus.MERGED
    assert flag.resolved_by == alice
    assert flag.resolved_at is not None


def test_it_leaves_a_clashing_conflict_on_the_merged_record(
    flag: DuplicateFlag, pair: tuple[Target, Target], alice: User
) -> None:
    coded, old = pair
    inspector = InspectorFactory(department=coded.department, id_number="140522199003151234", phone="13935600002")
    inspector.conflicts.create(target=coded, reason="曾在该企业任职")
    clash = inspector.conflicts.create(target=old, reason="曾在该企业任职")
    duplicate_merge(user=alice, flag=flag, keep=coded)
    clash.refresh_from_db()
    assert clash.target == old
    assert coded.conflicts.count() == 1


def test_it_repoints_other_open_flags_of_the_merged_record(amr: Department, alice: User) -> None:
    coded = TargetFactory(department=amr, registration_no=REG_NO, address="北留镇郭峪村3号")
    old_record(amr, registration_no=REG_NO, name="润城镇三兴饭店", address="润城镇上庄村5号")
    third = old_record(amr, name="润城镇 三兴饭店", address="润城镇上庄村５号")
    assert duplicates_flag() == 2
    by_reg = DuplicateFlag.objects.get(reason=DuplicateReason.SAME_REGISTRATION_NO)
    duplicate_merge(user=alice, flag=by_reg, keep=coded)
    moved = DuplicateFlag.objects.get(reason=DuplicateReason.SAME_NAME_ADDRESS)
    assert moved.status == DuplicateStatus.OPEN
    assert (moved.first_id, moved.second_id) == (coded.pk, third.pk)


def test_it_refuses_to_keep_the_record_without_a_credit_code(
    flag: DuplicateFlag, pair: tuple[Target, Target], alice: User
) -> None:
    with pytest.raises(ValidationError, match="应保留有统一社会信用代码"):
        duplicate_merge(user=alice, flag=flag, keep=pair[1])


def test_it_refuses_a_target_outside_the_pair(flag: DuplicateFlag, amr: Department, alice: User) -> None:
    with pytest.raises(ValidationError, match="必须是这对疑似重复中的一条"):
        duplicate_merge(user=alice, flag=flag, keep=TargetFactory(department=amr))


def test_it_refuses_to_settle_a_flag_twice(flag: DuplicateFlag, pair: tuple[Target, Target], alice: User) -> None:
    duplicate_merge(user=alice, flag=flag, keep=pair[0])
    with pytest.raises(ValidationError, match="已处理"):
        duplicate_dismiss(user=alice, flag=flag)


@pytest.mark.parametrize("who", ["bob", "olivia", "ivan"])
def test_it_lets_only_staff_of_the_department_merge_or_dismiss(
    flag: DuplicateFlag, pair: tuple[Target, Target], who: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        duplicate_merge(user=user, flag=flag, keep=pair[0])
    with pytest.raises(PermissionDenied):
        duplicate_dismiss(user=user, flag=flag)
    flag.refresh_from_db()
    assert flag.status == DuplicateStatus.OPEN


FOLDABLE = " \t\u3000（）()－-０１２９ＡＺａｚ阳城县凤城镇东关村号粮油有限公司abcXYZ0129"


@pytest.fixture
def one_row(db: None) -> Target:
    return TargetFactory()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=FOLDABLE, max_size=30))
def test_it_normalises_in_sql_as_in_python(one_row: Target, text: str) -> None:
    key = (
        Target.objects.filter(pk=one_row.pk)
        .annotate(key=Normalised(Value(text, output_field=CharField())))
        .values_list("key", flat=True)
        .get()
    )
    assert key == normalise_text(text)


# Views ----------------------------------------------------------------------------------


def test_it_lists_the_departments_flags_for_staff(client, alice: User, flag: DuplicateFlag) -> None:  # type: ignore[no-untyped-def]
    client.force_login(alice)
    response = client.get(reverse("registries:duplicate_list"))
    assert response.status_code == 200
    assert "阳城县晋丰粮油有限公司" in response.content.decode()


def test_it_hides_other_departments_flags(client, bob: User, flag: DuplicateFlag) -> None:  # type: ignore[no-untyped-def]
    client.force_login(bob)
    response = client.get(reverse("registries:duplicate_list"))
    assert response.status_code == 200
    assert "阳城县晋丰粮油有限公司" not in response.content.decode()
    url = reverse("registries:duplicate_dismiss", args=[flag.pk])
    assert client.post(url).status_code == 404
    flag.refresh_from_db()
    assert flag.status == DuplicateStatus.OPEN


def test_it_shows_every_flag_to_the_office_but_lets_it_change_none(  # type: ignore[no-untyped-def]
    client, olivia: User, flag: DuplicateFlag, pair: tuple[Target, Target]
) -> None:
    client.force_login(olivia)
    page = client.get(reverse("registries:duplicate_list")).content.decode()
    assert "阳城县晋丰粮油有限公司" in page
    url = reverse("registries:duplicate_merge", args=[flag.pk])
    assert url not in page
    assert reverse("registries:duplicate_dismiss", args=[flag.pk]) not in page
    assert reverse("registries:duplicate_scan") not in page
    assert client.post(url, {"keep": pair[0].pk}).status_code == 403


def test_it_merges_from_the_page(client, alice: User, flag: DuplicateFlag, pair: tuple[Target, Target]) -> None:  # type: ignore[no-untyped-def]
    client.force_login(alice)
    response = client.post(reverse("registries:duplicate_merge", args=[flag.pk]), {"keep": pair[0].pk})
    assert response.status_code == 302
    pair[1].refresh_from_db()
    assert pair[1].merged_into == pair[0]


def test_it_dismisses_from_the_page_with_htmx(client, alice: User, flag: DuplicateFlag) -> None:  # type: ignore[no-untyped-def]
    client.force_login(alice)
    response = client.post(reverse("registries:duplicate_dismiss", args=[flag.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "非重复" in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == DuplicateStatus.DISMISSED


def test_it_reports_a_refused_merge_in_chinese(
    client, alice: User, flag: DuplicateFlag, pair: tuple[Target, Target]
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(alice)
    response = client.post(reverse("registries:duplicate_merge", args=[flag.pk]), {"keep": pair[1].pk}, follow=True)
    assert "应保留有统一社会信用代码" in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == DuplicateStatus.OPEN


def test_it_finds_duplicates_for_the_staff_department(client, alice: User, pair: tuple[Target, Target]) -> None:  # type: ignore[no-untyped-def]
    client.force_login(alice)
    response = client.post(reverse("registries:duplicate_scan"), follow=True)
    assert "新发现 1 对疑似重复" in response.content.decode()
    assert DuplicateFlag.objects.count() == 1


def test_it_keeps_anonymous_users_out(client, flag: DuplicateFlag) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("registries:duplicate_list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
