"""The public site (no login): published plans. Nothing internal here: no tiers, no drawn lists."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from plans.selectors import public_plans


def plan_list(request: HttpRequest) -> HttpResponse:
    return render(request, "publicity/plan_list.html", {"plans": public_plans()})


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest published version: the frozen snapshot, never the working draft."""
    plan = get_object_or_404(public_plans(), pk=pk)
    versions = list(plan.versions.all())
    return render(
        request,
        "publicity/plan_detail.html",
        {"plan": plan, "version": versions[0] if versions else None, "versions": versions},
    )


def plan_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    plan = get_object_or_404(public_plans(), pk=pk)
    version = get_object_or_404(plan.versions, number=number)
    return render(
        request, "publicity/plan_detail.html", {"plan": plan, "version": version, "versions": list(plan.versions.all())}
    )
