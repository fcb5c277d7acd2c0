"""Reads of the public site: only what is public (published results, current checklist versions)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch, Q, QuerySet

from inspections.models import FollowUp, FollowUpStatus
from plans.models import PlanStatus
from publicity.models import PublishedResult
from registries.models import ChecklistItemVersion, ItemClaim


def _looks_like_code(text: str) -> bool:
    return bool(text) and text.isascii() and text.isalnum()


def public_rows() -> QuerySet[PublishedResult]:
    """Publications of tasks of published plans only (a draft plan's results stay internal)."""
    return PublishedResult.objects.exclude(task__plan__status=PlanStatus.DRAFT)


def public_results(q: str = "") -> QuerySet[PublishedResult]:
    """Published results, newest first; `q` is a credit code (or object number) or part of a name."""
    rows = public_rows().defer("items").order_by("-completed_on", "-id")
    q = q.strip()
    if not q:
        return rows
    if _looks_like_code(q):
        return rows.filter(Q(target_code=q.upper()) | Q(target_code=q))
    return rows.filter(target_name__icontains=q)


def closed_outcomes(rows: list[PublishedResult]) -> dict[int, list[FollowUp]]:
    """The closed follow-ups of each published row (only closed ones are public), one query."""
    if not rows:
        return {}
    by_pair = {(r.visit_id, r.task_id): r.pk for r in rows}
    found: dict[int, list[FollowUp]] = defaultdict(list)
    closed = (
        FollowUp.objects.filter(status=FollowUpStatus.CLOSED, visit_id__in={r.visit_id for r in rows})
        .only("visit_id", "task_id", "outcome", "closed_at")
        .order_by("closed_at")
    )
    for follow_up in closed:
        pk = by_pair.get((follow_up.visit_id, follow_up.task_id))
        if pk is not None:
            found[pk].append(follow_up)
    return dict(found)


def public_checklist(q: str = "") -> QuerySet[ChecklistItemVersion]:
    """Current versions of the items some department has claimed, with legal bases and claimants."""
    versions = (
        ChecklistItemVersion.objects.filter(superseded_at__isnull=True, item__claims__isnull=False)
        .distinct()
        .select_related("item")
        .prefetch_related(
            "legal_bases",
            Prefetch(
                "item__claims", queryset=ItemClaim.objects.select_related("department").order_by("department__name")
            ),
        )
        .order_by("item__code")
    )
    q = q.strip()
    if q:
        versions = versions.filter(Q(name__icontains=q) | Q(item__code__icontains=q) | Q(object_type__icontains=q))
    return versions
