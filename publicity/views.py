"""The public site (no login): published plans, the checklist and results. Nothing internal here:
no tiers, no drawn lists, no inspectors, no findings text."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from plans.selectors import public_plans
from publicity.forms import PublicSearchForm
from publicity.selectors import closed_outcomes, public_checklist, public_results, public_results_page, public_rows
from registries.selectors import paginate


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


def result_list(request: HttpRequest) -> HttpResponse:
    """Search published results by credit code (or object number) or name; no login.

    Pages follow a cursor (`after`), so page 1,000 costs what page 1 does. Anonymous searches
    are limited per client address (SEARCH_RATE, default 30 a minute): beyond it, 429.
    """
    q = PublicSearchForm(request.GET).query()
    if q and not request.user.is_authenticated and search_is_limited(request):
        return render(request, "publicity/search_limited.html", status=429)
    page = public_results_page(public_results(q), request.GET.get("after", "")[:40])
    return render(
        request,
        "publicity/result_list.html",
        {"q": q, "qs": urlencode({"q": q}) if q else "", "page": page, "outcomes": closed_outcomes(page.object_list)},
    )


def search_is_limited(request: HttpRequest) -> bool:
    """Counts this search against the client address's budget; True once it is spent."""
    from axes.helpers import get_client_ip_address
    from django_ratelimit.core import is_ratelimited

    return is_ratelimited(
        request,
        group="publicity.search",
        key=lambda group, request: get_client_ip_address(request) or "unknown",
        rate=settings.SEARCH_RATE,
        increment=True,
    )


def result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(public_rows(), pk=pk)
    return render(
        request, "publicity/result_detail.html", {"row": row, "outcomes": closed_outcomes([row]).get(row.pk, [])}
    )


def checklist(request: HttpRequest) -> HttpResponse:
    """The published checklist (随机抽查事项清单): current versions, legal bases, claiming departments."""
    q = PublicSearchForm(request.GET).query()
    page = paginate(public_checklist(q), request.GET.get("page"), per_page=50)
    return render(request, "publicity/checklist.html", {"q": q, "qs": urlencode({"q": q}) if q else "", "page": page})
