"""A person's in-app notifications (the deadline watch, corrections, publication alarms)."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from registries.models import Notification, User
from registries.selectors import paginate
from registries.services.notifications import notification_mark_read


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notes = Notification.objects.filter(user=cast(User, request.user)).order_by("-created_at", "-id")
    page = paginate(notes, request.GET.get("page"), per_page=50)
    return render(request, "publicity/notifications.html", {"page": page})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and follow its link (only a link inside this site)."""
    note = get_object_or_404(Notification, pk=pk, user=cast(User, request.user))
    notification_mark_read(user=cast(User, request.user), note_id=note.pk)
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts=None) and note.url.startswith("/"):
        return redirect(note.url)
    return redirect("notifications:list")


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notification_mark_read(user=cast(User, request.user))
    return redirect("notifications:list")
