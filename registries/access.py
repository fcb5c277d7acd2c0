"""The one permission mechanism: every "may this user do this (to this object)" is a named rule here.

Rules are django-rules permissions named `<app>.<verb>_<noun>` and asked the Django way:
`user.has_perm("plans.edit_plan", plan)` in views and services, `rule_required(...)` on views,
`{% has_perm "plans.edit_plan" user plan as can_edit %}` (`{% load rules %}`) in templates. A
rule without an object is about the user alone (may they open these pages at all); a rule with
one asks about that object, and is false when asked without it.

The predicates below are the only place that reads `user.role`. Upper apps' objects (plans,
draws, visits) are read by attribute only, so registries imports none of those apps.

Which rows a user may read is a queryset question: `scoped` filters one model family by the
department its rows belong to, and `get_for_user` fetches one object of it (404 when it is
not the user's to read, 403 when a rule says they may not change it).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import rules
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404

from registries.models import ItemClaim, Role, User

M = TypeVar("M", bound=Model)
View = Callable[..., HttpResponse]


# --- predicates: who the user is ------------------------------------------------------------------


def _signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _role_is(*roles: str) -> rules.Predicate:
    allowed = frozenset(roles)

    def test(user: Any) -> bool:
        return _signed_in(user) and getattr(user, "role", None) in allowed

    return rules.Predicate(test, name="role_is_" + "_or_".join(sorted(allowed)))


is_bureau_staff = _role_is(Role.STAFF)  # 部门业务人员: keeps the department's data
is_leader = _role_is(Role.LEADER)  # 单位主要负责人
is_inspector = _role_is(Role.INSPECTOR)  # 执法检查人员
is_office = _role_is(Role.OFFICE)  # 领导小组办公室: reads every department
is_system_admin = _role_is(Role.SYSTEM_ADMIN)
is_audit_admin = _role_is(Role.AUDIT_ADMIN)
is_security_admin = _role_is(Role.SECURITY_ADMIN)
is_registry_user = is_bureau_staff | is_leader | is_office


@rules.predicate
def has_department(user: Any) -> bool:
    return _signed_in(user) and getattr(user, "department_id", None) is not None


def changes_role(user: Any, new_role: str) -> bool:
    """Whether giving `user` the role `new_role` changes its role (every role comparison lives here)."""
    return bool(getattr(user, "role", None) != new_role)


def needs_second_factor(user: Any) -> bool:
    """Roles in OTP_REQUIRED_ROLES pass a TOTP second factor before any page."""
    return bool(user.is_authenticated and getattr(user, "role", None) in settings.OTP_REQUIRED_ROLES)


# --- predicates: whose the object is --------------------------------------------------------------


def department_id_of(obj: Any, path: str) -> int | None:
    """The id of the department `path` (Django lookup style, `plan__owner`) leads to from `obj`."""
    value = obj
    parts = path.split("__")
    for part in parts[:-1]:
        value = getattr(value, part, None)
        if value is None:
            return None
    return getattr(value, f"{parts[-1]}_id", None)


def _of_department(path: str) -> rules.Predicate:
    """The object belongs to the user's department (false for no object at all)."""

    def test(user: Any, obj: Any) -> bool:
        if obj is None or not has_department(user):
            return False
        return bool(department_id_of(obj, path) == user.department_id)

    return rules.Predicate(test, name=f"of_department[{path}]")


@rules.predicate
def has_object(user: Any, obj: Any) -> bool:
    """A rule about an object is false when asked without one."""
    return obj is not None


@rules.predicate
def created_by_user(user: Any, obj: Any) -> bool:
    return obj is not None and user.pk is not None and getattr(obj, "created_by_id", None) == user.pk


@rules.predicate
def item_claimed_by_department(user: Any, item: Any) -> bool:
    """Only a department that claimed a checklist item may make a new version of it."""
    department_id = getattr(user, "department_id", None)
    if item is None or department_id is None:
        return False
    return ItemClaim.objects.filter(item=item, department_id=department_id).exists()


@rules.predicate
def on_visit_team(user: Any, visit: Any) -> bool:
    """谁检查、谁录入: an officer on the team of one of the drawn rows the visit covers."""
    inspector = getattr(user, "inspector", None)
    return bool(
        visit is not None and inspector is not None and visit.coverage.filter(drawn__team__inspector=inspector).exists()
    )


# --- the rules ------------------------------------------------------------------------------------

RULES: dict[str, rules.Predicate] = {
    # registries: the one list and two registries, imports, duplicates, the audit trail
    "registries.view_registry": is_registry_user,
    "registries.view_all_departments": is_office,
    "registries.change_department_data": is_bureau_staff & has_department,
    "registries.declare_conflict": is_bureau_staff & _of_department("department"),
    "registries.withdraw_conflict": is_bureau_staff & _of_department("inspector__department"),
    "registries.import_registry": is_bureau_staff & has_department,
    "registries.commit_import": is_bureau_staff & _of_department("department") & created_by_user,
    "registries.scan_duplicates": is_bureau_staff & has_department,
    "registries.resolve_duplicate": is_bureau_staff
    & _of_department("first__department")
    & _of_department("second__department"),
    "registries.claim_item": is_bureau_staff & has_department,
    "registries.edit_item": is_bureau_staff & has_department & item_claimed_by_department,
    "registries.read_audit_trail": is_audit_admin,
    "registries.manage_accounts": is_security_admin,
    # credit_risk: tiers are internal, for the staff who plan draws and the office
    # Shared by every department's tasks: the leading-group office only (credit_risk/access.py).
    "credit_risk.edit_policy": is_office,
    "credit_risk.set_tier": is_bureau_staff & _of_department("department"),
    "credit_risk.set_observation": is_bureau_staff & _of_department("department"),
    "credit_risk.import_tiers": is_bureau_staff & has_department,
    "credit_risk.recompute_warnings": is_bureau_staff & has_department,
    # plans
    "plans.import_plan": is_bureau_staff & has_department,
    "plans.edit_plan": is_bureau_staff & _of_department("owner"),
    "plans.edit_task": is_bureau_staff & _of_department("plan__owner"),
    "plans.decide_adjustment": is_office & has_object,
    # inspections: draws, visits, results, corrections, follow-up, the calendar
    "inspections.start_draw": is_bureau_staff & _of_department("initiator"),
    "inspections.see_tiers": has_object
    & (is_office | ((is_bureau_staff | is_leader) & _of_department("task__initiator"))),
    "inspections.audit_draws": is_office,
    "inspections.view_visits": is_inspector | is_registry_user,
    "inspections.record_visits": is_inspector,
    "inspections.enter_result": is_inspector & on_visit_team,
    "inspections.review_corrections": is_leader & has_department,
    "inspections.decide_correction": is_leader & _of_department("department"),
    "inspections.record_follow_up": is_bureau_staff & _of_department("department"),
    "inspections.enter_calendar": is_system_admin,
    # publicity: the dashboard
    "publicity.view_dashboard": is_registry_user,
    "publicity.set_goals": is_office,
}

for _name, _predicate in RULES.items():
    rules.set_perm(_name, _predicate)


# --- views ----------------------------------------------------------------------------------------


# The pages read with GET and change with POST: PUT, DELETE and the rest are refused (405).
ALLOWED_METHODS = ("GET", "HEAD", "POST")


def rule_required(name: str) -> Callable[[View], View]:
    """GET, HEAD or POST (405 otherwise), login (a redirect), then the rule about the user alone (403)."""
    if name not in RULES:
        raise ValueError(f"no rule named {name!r}")

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(name):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in ALLOWED_METHODS:
                return HttpResponseNotAllowed(ALLOWED_METHODS)
            return checked(request, *args, **kwargs)

        return wrapped

    return decorator


registry_view = rule_required("registries.view_registry")


def require_perm(user: Any, name: str, obj: Any = None) -> None:
    """For services: PermissionDenied unless the rule holds."""
    if not user.has_perm(name, obj):
        raise PermissionDenied


# --- querysets ------------------------------------------------------------------------------------


def scoped(user: User, queryset: QuerySet[M], field: str = "department") -> QuerySet[M]:
    """The objects of `queryset` the user may read; `field` leads to their department."""
    if is_office(user):
        return queryset
    if is_registry_user(user) and user.department_id:
        return queryset.filter(**{field: user.department_id})
    return queryset.none()


def get_for_user(
    user: User, queryset: QuerySet[M], *, perm: str | None = None, field: str = "department", **lookup: Any
) -> M:
    """One object the user may read (404 otherwise), and for which rule `perm` holds (403 otherwise)."""
    obj = get_object_or_404(scoped(user, queryset, field), **lookup)
    if perm is not None:
        require_perm(user, perm, obj)
    return obj
