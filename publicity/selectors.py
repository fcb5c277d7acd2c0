"""Reads of the public site: only what is public (published results, current checklist versions)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from inspections.models import FollowUp, FollowUpStatus
from plans.models import PlanStatus
from publicity.models import PublishedResult
from publicity.search import query_grams
from registries.models import ChecklistItemVersion, ItemClaim
from registries.selectors import capped_count, estimated_count


def _looks_like_code(text: str) -> bool:
    return bool(text) and text.isascii() and text.isalnum()


def public_rows() -> QuerySet[PublishedResult]:
    """Publications of tasks of published plans only (a draft plan's results stay internal)."""
    return PublishedResult.objects.exclude(task__plan__status=PlanStatus.DRAFT)


def public_results(q: str = "") -> QuerySet[PublishedResult]:
    """Published results, newest first; `q` is a credit code (or object number) or part of a name."""
    rows = public_rows().defer("items", "name_grams").order_by("-completed_on", "-id")
    q = q.strip()
    if not q:
        return rows
    if _looks_like_code(q):
        return rows.filter(Q(target_code=q.upper()) | Q(target_code=q))
    rows = rows.filter(name_grams__contains=query_grams(q))
    if len(q) <= 2:
        # A gram of one or two characters is itself the substring: the index answers exactly,
        # and the planner's estimate stays right (a LIKE would make it guess a handful of rows
        # and sort thousands instead of walking the newest-first index).
        return rows
    # Longer: every pair is in the name, but maybe not in sequence; ILIKE confirms the few left.
    return rows.filter(target_name__icontains=q)


@dataclass
class KeysetPage:
    """One page of the newest-first public list, reached by cursor: no OFFSET, no COUNT(*)."""

    object_list: list[PublishedResult]
    has_next: bool
    next_cursor: str
    first: bool
    count: int
    count_capped: bool


def public_results_page(rows: QuerySet[PublishedResult], after: str = "", per_page: int = 30) -> KeysetPage:
    """The page after cursor `after` (the first page without one) of `public_results(...)`."""
    page_rows = list((public_results_after(rows, after) if after else rows)[: per_page + 1])
    shown = page_rows[:per_page]
    count, capped = capped_count(rows)
    if capped:
        count = max(count + 1, estimated_count(rows))
    last = shown[-1] if shown else None
    return KeysetPage(
        object_list=shown,
        has_next=len(page_rows) > per_page,
        next_cursor=f"{last.completed_on.isoformat()}.{last.pk}" if last else "",
        first=not after,
        count=count,
        count_capped=capped,
    )


def public_results_after(rows: QuerySet[PublishedResult], cursor: str) -> QuerySet[PublishedResult]:
    """Rows after a keyset cursor "YYYY-MM-DD.id" of the newest-first order (deep pages without OFFSET).

    A malformed cursor starts from the first page.
    """
    day, _, pk = cursor.partition(".")
    try:
        completed_on, last_id = dt.date.fromisoformat(day), int(pk)
    except ValueError:
        return rows
    return rows.filter(Q(completed_on__lt=completed_on) | Q(completed_on=completed_on, id__lt=last_id))


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
