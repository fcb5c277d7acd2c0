"""The named rules of registries/access.py, each as a full truth table over a cast of users.

For every rule the table names exactly the users it holds for, asked about an object of
department A (阳城县市场监督管理局); every other user of the cast must be refused. A rule loosened
(another department's staff, another role, an anonymous or disabled account let through) or
tightened fails here, and a rule added without a row here fails `test_every_rule_has_a_truth_table`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from inspections.models import (
    Correction,
    DrawnTarget,
    DrawRound,
    FollowUp,
    ItemResult,
    Result,
    RoundStatus,
    TeamMember,
    Visit,
    VisitCoverage,
)
from plans.models import Adjustment, Plan, RatioKind, Task
from registries.access import RULES, rule_required
from registries.models import Department, DuplicateFlag, DuplicateReason, ImportJob, ImportKind, Role, Target
from tests.factories import (
    ChecklistItemVersionFactory,
    ConflictFactory,
    DepartmentFactory,
    InspectorFactory,
    ItemClaimFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

STAFF_A = {"staff_a", "staff_a2"}
REGISTRY_USERS = {"staff_a", "staff_a2", "leader_a", "office", "staff_b", "leader_b"}
ALL_STAFF = {"staff_a", "staff_a2", "staff_b"}


@dataclass
class Cast:
    users: dict[str, Any]
    objects: dict[str, Any]


def _cast(amr: Department, drc: Department, region: Any) -> Cast:
    office = DepartmentFactory(name="阳城县双随机工作领导小组办公室", is_leading_group_office=True, region=region)
    users: dict[str, Any] = {
        "staff_a": UserFactory(username="alice", full_name="王丽", role=Role.STAFF, department=amr),
        "staff_a2": UserFactory(username="wangfang", full_name="王芳", role=Role.STAFF, department=amr),
        "leader_a": UserFactory(username="leo", full_name="刘建国", role=Role.LEADER, department=amr),
        "inspector_a": UserFactory(username="ivan", full_name="张军", role=Role.INSPECTOR, department=amr),
        "inspector_a_off_team": UserFactory(username="hujie", full_name="胡杰", role=Role.INSPECTOR, department=amr),
        "office": UserFactory(username="olivia", full_name="赵敏", role=Role.OFFICE, department=office),
        "sysadmin": UserFactory(username="simon", full_name="周系统", role=Role.SYSTEM_ADMIN, department=None),
        "secadmin": UserFactory(username="sean", full_name="吴安全", role=Role.SECURITY_ADMIN, department=None),
        "auditadmin": UserFactory(username="audrey", full_name="孙审计", role=Role.AUDIT_ADMIN, department=None),
        "staff_b": UserFactory(username="bob", full_name="李强", role=Role.STAFF, department=drc),
        "leader_b": UserFactory(username="lina", full_name="林娜", role=Role.LEADER, department=drc),
        "inspector_b": UserFactory(username="zhaolei", full_name="赵磊", role=Role.INSPECTOR, department=drc),
        "inactive_staff_a": UserFactory(
            username="gone", full_name="郭静", role=Role.STAFF, department=amr, is_active=False
        ),
        "anonymous": AnonymousUser(),
    }
    on_team = InspectorFactory(department=amr, name="张军", user=users["inspector_a"])
    InspectorFactory(department=amr, name="胡杰", user=users["inspector_a_off_team"])
    InspectorFactory(department=drc, name="赵磊", user=users["inspector_b"])

    target = TargetFactory(department=amr, name="阳城县康乐粮油贸易有限公司")
    twin = TargetFactory(department=amr, name="阳城县康乐粮油贸易有限公司（分店）")
    inspector = InspectorFactory(department=amr, name="欧阳明远", certificate_no="14052219990001")
    version = ChecklistItemVersionFactory(name="粮食收购资格及粮食收购活动的检查")
    ItemClaimFactory(item=version.item, department=amr)
    plan = Plan.objects.create(owner=amr, year=2026, title="2026年度随机抽查计划")
    task = Task.objects.create(
        plan=plan, number=1, name="粮食收购企业双随机抽查", ratio_kind=RatioKind.values[0], initiator=amr
    )
    draw_round = DrawRound.objects.create(
        task=task,
        round_no=1,
        status=RoundStatus.DONE,
        commitment="0" * 64,
        secret="1" * 64,
        seed="2" * 64,
        counts={"A": 1},
        started_by=users["staff_a"],
        finished_at=timezone.now(),
    )
    drawn = DrawnTarget.objects.create(
        round=draw_round, target=target, key=target.natural_key_value, tier="A", ticket="3" * 64, rank=1
    )
    TeamMember.objects.create(drawn=drawn, inspector=on_team, department=amr)
    visit = Visit.objects.create(target=target, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 10, 31))
    VisitCoverage.objects.create(visit=visit, drawn=drawn)
    result = Result.objects.create(
        visit=visit,
        completed_on=dt.date(2026, 5, 12),
        findings="未按规定公示年度报告",
        problem_found=True,
        deadline=dt.date(2026, 6, 9),
        entered_by=users["inspector_a"],
    )
    item_result = ItemResult.objects.create(result=result, task=task, problem_found=True)
    objects = {
        "target": target,
        "inspector": inspector,
        "conflict": ConflictFactory(inspector=inspector, target=target, reason="配偶在该企业任财务负责人"),
        "import_job": ImportJob.objects.create(
            kind=ImportKind.TARGETS,
            department=amr,
            created_by=users["staff_a"],
            file="imports/2026/01/名录.xlsx",
            original_name="阳城县市场主体名录.xlsx",
        ),
        "duplicate": DuplicateFlag.objects.create(
            first=min(target, twin, key=lambda t: t.pk),
            second=max(target, twin, key=lambda t: t.pk),
            reason=DuplicateReason.SAME_NAME_ADDRESS,
        ),
        "item": version.item,
        "plan": plan,
        "task": task,
        "adjustment": Adjustment(plan=plan, reason="增加一项联合任务", submitted_by=users["staff_a"]),
        "draw_round": draw_round,
        "visit": visit,
        "correction": Correction(result=result, department=amr, reason="漏记问题", requested_by=users["inspector_a"]),
        "follow_up": FollowUp(item_result=item_result, visit=visit, target=target, task=task, department=amr),
    }
    return Cast(users, objects)


# rule -> (the object of department A it is asked about, or None; the cast members it holds for)
TRUTH: dict[str, tuple[str | None, set[str]]] = {
    "registries.view_registry": (None, REGISTRY_USERS),
    "registries.view_all_departments": (None, {"office"}),
    "registries.change_department_data": (None, ALL_STAFF),
    "registries.declare_conflict": ("inspector", STAFF_A),
    "registries.withdraw_conflict": ("conflict", STAFF_A),
    "registries.import_registry": (None, ALL_STAFF),
    "registries.commit_import": ("import_job", {"staff_a"}),  # its creator, not a colleague
    "registries.scan_duplicates": (None, ALL_STAFF),
    "registries.resolve_duplicate": ("duplicate", STAFF_A),
    "registries.claim_item": (None, ALL_STAFF),
    "registries.edit_item": ("item", STAFF_A),  # claimed by department A only
    "registries.read_audit_trail": (None, {"auditadmin"}),
    "registries.manage_accounts": (None, {"secadmin"}),
    "credit_risk.edit_policy": (None, {"office"}),  # shared by every department: the office only
    "credit_risk.set_tier": ("target", STAFF_A),
    "credit_risk.set_observation": ("target", STAFF_A),
    "credit_risk.import_tiers": (None, ALL_STAFF),
    "credit_risk.recompute_warnings": (None, ALL_STAFF),
    "plans.import_plan": (None, ALL_STAFF),
    "plans.edit_plan": ("plan", STAFF_A),
    "plans.edit_task": ("task", STAFF_A),
    "plans.decide_adjustment": ("adjustment", {"office"}),
    "inspections.start_draw": ("task", STAFF_A),
    "inspections.see_tiers": ("draw_round", STAFF_A | {"leader_a", "office"}),
    "inspections.audit_draws": (None, {"office"}),
    "inspections.view_visits": (None, REGISTRY_USERS | {"inspector_a", "inspector_a_off_team", "inspector_b"}),
    "inspections.record_visits": (None, {"inspector_a", "inspector_a_off_team", "inspector_b"}),
    "inspections.enter_result": ("visit", {"inspector_a"}),  # 谁检查、谁录入: the team only
    "inspections.review_corrections": (None, {"leader_a", "leader_b"}),
    "inspections.decide_correction": ("correction", {"leader_a"}),
    "inspections.record_follow_up": ("follow_up", STAFF_A),
    "inspections.enter_calendar": (None, {"sysadmin"}),
    "publicity.view_dashboard": (None, REGISTRY_USERS),
    "publicity.set_goals": (None, {"office"}),
}


@pytest.fixture
def cast(amr: Department, drc: Department, region: Any) -> Cast:
    return _cast(amr, drc, region)


def test_every_rule_has_a_truth_table() -> None:
    assert set(TRUTH) == set(RULES)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_each_rule_holds_for_exactly_the_right_users(cast: Cast, name: str) -> None:
    object_key, allowed = TRUTH[name]
    obj = cast.objects[object_key] if object_key else None
    assert allowed <= set(cast.users)
    granted = {who for who, user in cast.users.items() if user.has_perm(name, obj)}
    assert granted == allowed, f"{name}: wrongly granted {granted - allowed}, wrongly refused {allowed - granted}"


@pytest.mark.parametrize("name", sorted(n for n, (obj, _) in TRUTH.items() if obj))
def test_a_rule_about_an_object_is_false_without_one(cast: Cast, name: str) -> None:
    assert not [who for who, user in cast.users.items() if user.has_perm(name)]


@pytest.mark.parametrize(
    ("name", "object_key", "change"),
    [
        ("registries.declare_conflict", "inspector", lambda o, b: setattr(o, "department", b)),
        ("registries.withdraw_conflict", "conflict", lambda o, b: setattr(o.inspector, "department", b)),
        ("plans.edit_task", "task", lambda o, b: setattr(o.plan, "owner", b)),
        ("inspections.start_draw", "task", lambda o, b: setattr(o, "initiator", b)),
        ("inspections.see_tiers", "draw_round", lambda o, b: setattr(o.task, "initiator", b)),
        ("inspections.decide_correction", "correction", lambda o, b: setattr(o, "department", b)),
        ("inspections.record_follow_up", "follow_up", lambda o, b: setattr(o, "department", b)),
        ("credit_risk.set_tier", "target", lambda o, b: setattr(o, "department", b)),
    ],
)
def test_a_rule_follows_the_object_to_its_department(
    cast: Cast, drc: Department, name: str, object_key: str, change: Callable[[Any, Department], None]
) -> None:
    """Moved to department B, the same object is B's to act on and no longer A's."""
    obj = cast.objects[object_key]
    change(obj, drc)
    granted = {who for who, user in cast.users.items() if user.has_perm(name, obj)}
    assert granted & {"staff_a", "staff_a2", "leader_a"} == set()
    assert granted - {"office"} <= {"staff_b", "leader_b"} and granted - {"office"}


def test_a_duplicate_across_two_departments_is_neither_departments_to_resolve(cast: Cast, drc: Department) -> None:
    flag: DuplicateFlag = cast.objects["duplicate"]
    flag.second = Target(department=drc, name="阳城县康乐粮油贸易有限公司")
    assert not [who for who, user in cast.users.items() if user.has_perm("registries.resolve_duplicate", flag)]


def test_an_item_is_editable_once_claimed_and_not_before(cast: Cast) -> None:
    other = ChecklistItemVersionFactory(name="价格监督检查").item
    assert not cast.users["staff_a"].has_perm("registries.edit_item", other)
    ItemClaimFactory(item=other, department=cast.users["staff_a"].department)
    assert cast.users["staff_a"].has_perm("registries.edit_item", other)


def test_no_rule_shares_a_name_with_a_django_model_permission() -> None:
    """The model backend grants model permissions whatever the object: a shared name would leak."""
    model_perms = {
        f"{m._meta.app_label}.{action}_{m._meta.model_name}"
        for m in apps.get_models()
        for action in m._meta.default_permissions
    }
    assert not set(RULES) & model_perms


def test_a_view_may_only_require_a_rule_that_exists() -> None:
    with pytest.raises(ValueError, match=r"registries\.edit_everything"):
        rule_required("registries.edit_everything")


def test_the_object_predicates_refuse_an_anonymous_user_on_their_own(cast: Cast) -> None:
    """Each predicate holds its ground alone, not only behind a role test in its rule."""
    from registries.access import created_by_user, item_claimed_by_department

    nobody = AnonymousUser()
    orphan = ImportJob(kind=ImportKind.TARGETS, department=cast.users["staff_a"].department, created_by=None)
    assert not created_by_user(nobody, orphan)
    assert not item_claimed_by_department(nobody, cast.objects["item"])
