"""The one permission mechanism: every staff view scopes objects by department and role.

Views never filter by department themselves; they call `scoped` for lists and
`get_for_user` for a single object, so a user of another department gets a 404 for
an object it may not see and a 403 for one it may see but not change.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from registries.models import Department, Role, User

M = TypeVar("M", bound=Model)
View = Callable[..., HttpResponse]

# Who may open the registry pages at all.
REGISTRY_ROLES = frozenset({Role.STAFF, Role.LEADER, Role.OFFICE})
# Who may change registry data (always only their own department's).
REGISTRY_WRITE_ROLES = frozenset({Role.STAFF})


def has_role(user: Any, roles: frozenset[str] | set[str] | tuple[str, ...]) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in roles)


def role_required(*roles: str) -> Callable[[View], View]:
    """Login first, then the role: anyone else gets 403."""

    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request.user, allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


registry_view = role_required(*REGISTRY_ROLES)


def visible_departments(user: User) -> QuerySet[Department]:
    """The departments whose data the user may read."""
    if not user.is_authenticated or not user.is_active:
        return Department.objects.none()
    if user.role == Role.OFFICE:
        return Department.objects.all()
    if user.role in (Role.STAFF, Role.LEADER, Role.INSPECTOR) and user.department_id:
        return Department.objects.filter(pk=user.department_id)
    return Department.objects.none()


def scoped(user: User, queryset: QuerySet[M], field: str = "department") -> QuerySet[M]:
    """The objects of `queryset` the user may read; `field` leads to their department."""
    if user.is_authenticated and user.is_active and user.role == Role.OFFICE:
        return queryset
    if user.is_authenticated and user.is_active and user.role in REGISTRY_ROLES and user.department_id:
        return queryset.filter(**{field: user.department_id})
    return queryset.none()


def can_change_department_data(user: User, department_id: int | None) -> bool:
    return bool(
        has_role(user, REGISTRY_WRITE_ROLES) and department_id is not None and user.department_id == department_id
    )


def get_for_user(
    user: User, queryset: QuerySet[M], *, change: bool = False, field: str = "department", **lookup: Any
) -> M:
    """One object the user may read (404 otherwise), and may change when `change` (403 otherwise)."""
    obj = get_object_or_404(scoped(user, queryset, field), **lookup)
    if change:
        department_id = _department_id_of(obj, field)
        if not can_change_department_data(user, department_id):
            raise PermissionDenied
    return obj


def _department_id_of(obj: Model, field: str) -> int | None:
    value: Any = obj
    parts = field.split("__")
    for part in parts[:-1]:
        value = getattr(value, part)
    return getattr(value, f"{parts[-1]}_id", None)
