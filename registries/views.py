"""Staff pages of the one list and two registries. Thin: access check, selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registries import selectors
from registries.access import get_for_user, registry_view
from registries.forms import (
    ConflictFilterForm,
    ConflictForm,
    ExpertFilterForm,
    FilterForm,
    InspectorFilterForm,
    ItemFilterForm,
    ItemVersionForm,
    LegalBasisFilterForm,
    TargetFilterForm,
)
from registries.models import ChecklistItem, LegalBasis, User
from registries.services.checklist import (
    item_claim as item_claim_service,
)
from registries.services.checklist import (
    item_unclaim as item_unclaim_service,
)
from registries.services.checklist import item_version_create
from registries.services.conflicts import conflict_declare, conflict_withdraw, target_by_key


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _list_response(request: HttpRequest, template: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    """Full page, or only the results for an htmx live search (same URL, so paging links work)."""
    htmx = getattr(request, "htmx", None)
    use_partial = bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]
    response = render(request, partial if use_partial else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- targets -------------------------------------------------------------------------------


@registry_view
def target_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = TargetFilterForm(request.GET or None, user=user)
    page = selectors.paginate(selectors.target_list(user=user, **form.filters()), request.GET.get("page"))
    context = {"form": form, "page": page, "qs": _querystring_without_page(request)}
    return _list_response(request, "registries/targets/list.html", "registries/targets/_results.html", context)


@registry_view
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    target = get_for_user(user, selectors.target_detail_qs(user), pk=pk)
    conflicts = selectors.conflict_qs(user).filter(target=target)
    return render(
        request,
        "registries/targets/detail.html",
        {"target": target, "conflicts": conflicts, "history": selectors.history_for(target)},
    )


# --- inspectors and conflicts ----------------------------------------------------------------


@registry_view
def inspector_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = InspectorFilterForm(request.GET or None, user=user)
    page = selectors.paginate(selectors.inspector_list(user=user, **form.filters()), request.GET.get("page"))
    context = {"form": form, "page": page, "qs": _querystring_without_page(request)}
    return _list_response(request, "registries/inspectors/list.html", "registries/inspectors/_results.html", context)


@registry_view
def inspector_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    inspector = get_for_user(user, selectors.inspector_detail_qs(user), pk=pk)
    return render(
        request,
        "registries/inspectors/detail.html",
        {
            "inspector": inspector,
            "conflicts": selectors.inspector_conflicts(inspector),
            "can_change": user.has_perm("registries.declare_conflict", inspector),
            "history": selectors.history_for(inspector),
        },
    )


@registry_view
def conflict_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    inspector = get_for_user(user, selectors.inspector_detail_qs(user), perm="registries.declare_conflict", pk=pk)
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            target = target_by_key(form.cleaned_data["target_key"])
            conflict_declare(
                user=user, inspector=inspector, target=target, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("已登记 %(name)s 对 %(target)s 的回避") % {"name": inspector.name, "target": target}
            )
            return redirect("registries:inspector_detail", pk=inspector.pk)
    return render(request, "registries/conflicts/form.html", {"inspector": inspector, "form": form})


def _add_errors(form: Any, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: per field where it names one of the form's fields."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@registry_view
def conflict_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ConflictFilterForm(request.GET or None, user=user)
    page = selectors.paginate(selectors.conflict_list(user=user, **form.filters()), request.GET.get("page"))
    context = {"form": form, "page": page, "qs": _querystring_without_page(request)}
    return _list_response(request, "registries/conflicts/list.html", "registries/conflicts/_results.html", context)


@registry_view
def conflict_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    conflict = get_for_user(user, selectors.conflict_qs(user), field="inspector__department", pk=pk)
    return render(
        request,
        "registries/conflicts/detail.html",
        {
            "conflict": conflict,
            "can_change": user.has_perm("registries.withdraw_conflict", conflict),
            "history": selectors.history_for(conflict),
        },
    )


@registry_view
@require_POST
def conflict_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    conflict = get_for_user(
        user, selectors.conflict_qs(user), perm="registries.withdraw_conflict", field="inspector__department", pk=pk
    )
    inspector_pk = conflict.inspector_id
    conflict_withdraw(user=user, conflict=conflict, request=request)
    messages.success(request, _("已撤回该回避申报"))
    return redirect("registries:inspector_detail", pk=inspector_pk)


# --- experts -------------------------------------------------------------------------------


@registry_view
def expert_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ExpertFilterForm(request.GET or None, user=user)
    page = selectors.paginate(selectors.expert_list(user=user, **form.filters()), request.GET.get("page"))
    context = {"form": form, "page": page, "qs": _querystring_without_page(request)}
    return _list_response(request, "registries/experts/list.html", "registries/experts/_results.html", context)


@registry_view
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    expert = get_for_user(user, selectors.expert_detail_qs(user), pk=pk)
    return render(
        request, "registries/experts/detail.html", {"expert": expert, "history": selectors.history_for(expert)}
    )


# --- the checklist (shared) ------------------------------------------------------------------


def _claim_context(user: User, item: ChecklistItem, claimed_department_ids: set[int]) -> dict[str, Any]:
    return {
        "item": item,
        "mine": user.department_id in claimed_department_ids,
        "can_claim": user.has_perm("registries.claim_item"),
    }


@registry_view
def item_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ItemFilterForm(request.GET or None, user=user)
    page = selectors.paginate(selectors.item_list(user=user, **form.filters()), request.GET.get("page"))
    for version in page.object_list:
        claims = version.item.claims.all()
        version.claim = _claim_context(user, version.item, {c.department_id for c in claims})  # type: ignore[attr-defined]
    context = {"form": form, "page": page, "qs": _querystring_without_page(request)}
    return _list_response(request, "registries/items/list.html", "registries/items/_results.html", context)


@registry_view
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = get_object_or_404(selectors.item_detail_qs(), pk=pk)
    versions = list(item.versions.all())
    claims = list(item.claims.all())
    current = next((v for v in versions if v.superseded_at is None), None)
    return render(
        request,
        "registries/items/detail.html",
        {
            "item": item,
            "current": current,
            "versions": versions,
            "claims": claims,
            "claim": _claim_context(user, item, {c.department_id for c in claims}),
            "can_edit": user.has_perm("registries.edit_item", item),
            "history": selectors.history_for(current) if current else None,
        },
    )


def _claim_response(request: HttpRequest, user: User, item: ChecklistItem) -> HttpResponse:
    if getattr(request, "htmx", None):
        claimed = set(item.claims.values_list("department_id", flat=True))
        return render(request, "registries/items/_claim.html", {"claim": _claim_context(user, item, claimed)})
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("registries:item_detail", pk=item.pk)


@registry_view
@require_POST
def item_claim(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = get_object_or_404(ChecklistItem, pk=pk)
    item_claim_service(user=user, item=item, request=request)
    return _claim_response(request, user, item)


@registry_view
@require_POST
def item_unclaim(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = get_object_or_404(ChecklistItem, pk=pk)
    item_unclaim_service(user=user, item=item, request=request)
    return _claim_response(request, user, item)


@registry_view
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = get_object_or_404(ChecklistItem, pk=pk)
    if not user.has_perm("registries.edit_item", item):
        raise PermissionDenied
    current = item.versions.filter(superseded_at__isnull=True).prefetch_related("legal_bases").first()
    initial: dict[str, Any] = {}
    if current is not None:
        initial = {f: getattr(current, f) for f in ("name", "category", "object_type", "inspecting_body", "content")}
        initial["methods"] = current.methods
        initial["legal_bases"] = list(current.legal_bases.all())
    form = ItemVersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = item_version_create(user=user, item=item, request=request, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已生成第 %(n)s 版") % {"n": version.version})
            return redirect("registries:item_detail", pk=item.pk)
    return render(request, "registries/items/form.html", {"item": item, "current": current, "form": form})


@registry_view
def item_version_detail(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    item_version = get_object_or_404(selectors.item_version_qs(), item_id=pk, version=version)
    return render(request, "registries/items/version.html", {"v": item_version})


@registry_view
def claim_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = FilterForm(request.GET or None, user=user)
    page = selectors.paginate(selectors.claim_list(user=user, **form.filters()), request.GET.get("page"))
    context = {"form": form, "page": page, "qs": _querystring_without_page(request)}
    return render(request, "registries/items/claims.html", context)


@registry_view
def legal_basis_list(request: HttpRequest) -> HttpResponse:
    form = LegalBasisFilterForm(request.GET or None)
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    page = selectors.paginate(selectors.legal_basis_list(q=q), request.GET.get("page"))
    context = {"form": form, "page": page, "qs": _querystring_without_page(request)}
    return _list_response(request, "registries/legal_bases/list.html", "registries/legal_bases/_results.html", context)


@registry_view
def legal_basis_detail(request: HttpRequest, pk: int) -> HttpResponse:
    basis = get_object_or_404(LegalBasis, pk=pk)
    versions = list(selectors.legal_basis_versions(basis))
    return render(
        request,
        "registries/legal_bases/detail.html",
        {
            "basis": basis,
            "current": [v for v in versions if v.superseded_at is None],
            "superseded": [v for v in versions if v.superseded_at is not None],
        },
    )
