"""Credit-risk pages: internal only (staff who plan draws, and the office); never inspectors or the public.

Who writes is decided in `credit_risk.access` and enforced by the services: a department's
staff write the tiers of the targets their department maintains, the office writes the shared
policies. The views only hide forms from those who may not use them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credit_risk import selectors, services
from credit_risk.access import may_write_policy, may_write_tier
from credit_risk.forms import ObservationForm, PolicyForm, TierImportForm, TierSetForm
from credit_risk.models import TierPolicy, WarningKind
from registries.access import get_for_user, registry_view, rule_required
from registries.models import Target, User


@registry_view
def policy_list(request: HttpRequest) -> HttpResponse:
    return render(request, "credit_risk/policy_list.html", {"policies": selectors.policy_list()})


@registry_view
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy = get_object_or_404(TierPolicy, pk=pk)
    form = PolicyForm(request.POST or None, policy=policy)
    user: User = request.user  # type: ignore[assignment]
    can_edit = may_write_policy(user)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(
                policy=policy,
                rules=form.rules(),
                description=form.cleaned_data["description"],
                warning_percent=form.cleaned_data["warning_percent"],
                user=user,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("credit_risk:policy_edit", pk=policy.pk)
    return render(request, "credit_risk/policy_form.html", {"policy": policy, "form": form, "can_edit": can_edit})


def _tier_page(
    request: HttpRequest, target: Target, *, form: TierSetForm, observation_form: ObservationForm
) -> HttpResponse:
    return render(
        request,
        "credit_risk/target_tier.html",
        {
            "target": target,
            "current": selectors.current_tier(target),
            "history": selectors.tier_history(target),
            "form": form,
            "observation_form": observation_form,
            "observations": selectors.observation_periods(target),
            "signals": selectors.risk_signals(target),
            "can_write": may_write_tier(request.user, target),
        },
    )


@registry_view
def target_tier(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    target = get_for_user(user, Target.objects.all(), pk=pk)
    form = TierSetForm(request.POST or None)
    if request.method == "POST":
        target = get_for_user(user, Target.objects.all(), perm="credit_risk.set_tier", pk=pk)
        if form.is_valid():
            services.tier_set(
                target=target,
                tier=form.cleaned_data["tier"],
                reason=form.cleaned_data["reason"],
                user=user,
                request=request,
            )
            messages.success(request, _("已设定信用风险分类"))
            return redirect("credit_risk:target_tier", pk=target.pk)
    return _tier_page(request, target, form=form, observation_form=ObservationForm())


@require_POST
@registry_view
def observation_set(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    target = get_for_user(user, Target.objects.all(), perm="credit_risk.set_observation", pk=pk)
    form = ObservationForm(request.POST)
    if form.is_valid():
        try:
            services.observation_set(
                target=target,
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                reason=form.cleaned_data["reason"],
                user=user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已设定观察期"))
            return redirect("credit_risk:target_tier", pk=target.pk)
    return _tier_page(request, target, form=TierSetForm(), observation_form=form)


@rule_required("credit_risk.import_tiers")
def tier_import(request: HttpRequest) -> HttpResponse:
    form = TierImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{Path(upload.name).stem[:60]}{suffix}"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            user: User = request.user  # type: ignore[assignment]
            result = services.tiers_import(
                path=path, user=user, assessed_on=form.cleaned_data["assessed_on"], request=request
            )
        if result.ok:
            messages.success(request, _("已导入 %(n)d 条分类结果") % {"n": result.written})
    return render(request, "credit_risk/tier_import.html", {"form": form, "result": result})


@registry_view
def warning_list(request: HttpRequest) -> HttpResponse:
    counts = selectors.warning_counts()
    rows = [(kind, label, counts.get(kind, 0)) for kind, label in WarningKind.choices]
    return render(request, "credit_risk/warning_list.html", {"rows": rows})


@require_POST
@rule_required("credit_risk.recompute_warnings")
def warning_recompute(request: HttpRequest) -> HttpResponse:
    """The registry may hold a million targets: the computation runs in the worker."""
    from credit_risk.tasks import compute_same_address_task

    transaction.on_commit(compute_same_address_task.delay)
    messages.success(request, _("已开始重新计算一址多照，稍后刷新本页查看"))
    return redirect("credit_risk:warning_list")
