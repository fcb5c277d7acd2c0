"""Review of likely duplicates in the target registry: list, merge, dismiss, find again."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registries import selectors
from registries.access import get_for_user, registry_view, rule_required
from registries.forms import DuplicateMergeForm
from registries.models import DuplicateFlag, DuplicateStatus, Target, User
from registries.services.duplicates import (
    duplicate_dismiss,
    duplicate_flag_list,
    duplicate_merge,
    duplicates_flag,
    suggested_keep,
)
from registries.text import form_messages


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _flag_for(request: HttpRequest, pk: int) -> DuplicateFlag:
    flags = DuplicateFlag.objects.select_related("first__region", "second__region", "resolved_by")
    return get_for_user(_user(request), flags, perm="registries.resolve_duplicate", field="first__department", pk=pk)


def _card(request: HttpRequest, flag: DuplicateFlag, error: str = "") -> HttpResponse:
    flag.refresh_from_db()
    context = {"flag": flag, "suggested": suggested_keep(flag), "can_change": True, "error": error}
    return render(request, "registries/duplicates/_card.html", context)


def _done(request: HttpRequest, flag: DuplicateFlag, error: str = "") -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return _card(request, flag, error)
    if error:
        messages.error(request, error)
    return redirect("registries:duplicate_list")


@registry_view
def duplicate_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    status = request.GET.get("status", DuplicateStatus.OPEN)
    if status not in DuplicateStatus.values:
        status = DuplicateStatus.OPEN
    page = selectors.paginate(duplicate_flag_list(user=user, status=status), request.GET.get("page"))
    context = {
        "page": page,
        "cards": [(flag, suggested_keep(flag)) for flag in page.object_list],
        "status": status,
        "statuses": DuplicateStatus.choices,
        "can_change": user.has_perm("registries.scan_duplicates"),
        "qs": f"status={status}",
    }
    return render(request, "registries/duplicates/list.html", context)


@registry_view
@require_POST
def duplicate_merge_view(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_for(request, pk)
    form = DuplicateMergeForm(request.POST)
    if not form.is_valid():
        return _done(request, flag, "；".join(form_messages(form)))
    try:
        kept = duplicate_merge(user=_user(request), flag=flag, keep=Target(pk=form.cleaned_data["keep"]))
    except ValidationError as exc:
        return _done(request, flag, "；".join(exc.messages))
    if not request.htmx:  # type: ignore[attr-defined]
        messages.success(request, _("已合并，保留「%(name)s」") % {"name": kept.name})
    return _done(request, flag)


@registry_view
@require_POST
def duplicate_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_for(request, pk)
    try:
        duplicate_dismiss(user=_user(request), flag=flag)
    except ValidationError as exc:
        return _done(request, flag, "；".join(exc.messages))
    return _done(request, flag)


@rule_required("registries.scan_duplicates")
@require_POST
def duplicate_scan(request: HttpRequest) -> HttpResponse:
    """Find likely duplicates again in the user's own department's registry."""
    found = duplicates_flag(department=_user(request).department)
    messages.success(request, _("新发现 %(n)d 对疑似重复") % {"n": found})
    return redirect(reverse("registries:duplicate_list"))
