"""`/` for a signed-in user: the workbench, the day's to-dos first, the registries below."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from inspections.selectors import SECTION_TITLES
from publicity.workbench import todos_for
from registries import selectors as registry_selectors
from registries.models import User


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    todos = todos_for(user, timezone.localdate())
    visit_sections = [(key, SECTION_TITLES[key], cards) for key, cards in todos.visits.items()]
    return render(
        request,
        "home.html",
        {
            "todos": todos,
            "visit_sections": visit_sections,
            "counts": registry_selectors.home_counts(user),
            "can_claim": user.has_perm("registries.claim_item"),
        },
    )
