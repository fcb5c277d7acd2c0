"""The public front door: `/public/` (and `/` for visitors who are not signed in).

No login; nothing internal: the four public services (plans, checklist, results, draw
verification), the newest published plans and results, and the site identity footer that
Chinese government sites carry (settings SITE_*; see publicity/context_processors.py).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from plans.selectors import public_plans
from publicity.selectors import public_results

LATEST = 5


def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "publicity/index.html",
        {"plans": list(public_plans()[:LATEST]), "results": list(public_results()[:LATEST])},
    )


def root(request: HttpRequest) -> HttpResponse:
    """`/`: the staff workbench once signed in, the public portal for everyone else."""
    if request.user.is_authenticated:
        from publicity.views_workbench import workbench

        return workbench(request)
    return redirect("publicity:index")
