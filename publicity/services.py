"""Publication of results (谁检查、谁录入、谁公示): every entered result is public at once.

`result_publish` is called by the receiver of `inspections.signals.result_submitted` after the
entry commits. If it fails the result is not lost: the failure is logged and recorded as a
`PublicationIssue`, and the daily watch (`publications_sweep`) publishes every entered result
that has no publication of its current version and raises an alarm to the office.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from inspections.models import ItemResult, Result, Visit, VisitCoverage
from plans.models import Task
from publicity.models import IssueKind, PublicationIssue, PublishedResult, YearGoals
from registries.audit import audit_record
from registries.models import NotificationLevel, Role, User
from registries.services.notifications import notify

logger = logging.getLogger(__name__)


def current_results() -> QuerySet[Result]:
    """The current version of each visit's result: no newer version exists."""
    newer = Result.objects.filter(visit=OuterRef("visit"), version__gt=OuterRef("version"))
    return Result.objects.annotate(superseded=Exists(newer)).filter(superseded=False)


def _authority(task: Task) -> str:
    names = [task.initiator.name] if task.initiator else []
    names += [d.name for d in task.cooperating.all()]
    return "、".join(names)


def _rows_of(result: Result) -> list[dict[str, Any]]:
    """The public fields of the result, one dict per task the visit served."""
    visit = result.visit
    target = visit.target
    task_ids = list(
        VisitCoverage.objects.filter(visit=visit).order_by().values_list("drawn__round__task_id", flat=True).distinct()
    )
    items: dict[int, list[dict[str, Any]]] = defaultdict(list)
    problem: dict[int, bool] = defaultdict(bool)
    item_results = (
        ItemResult.objects.filter(result=result)
        .select_related("item_version", "item", "task")
        .prefetch_related("category_links__category__parent")
        .order_by("task_id", "item__code")
    )
    for item_result in item_results:
        item = item_result.item
        version = item_result.item_version or (item.current_version if item else None)
        # No item: the task's items were only text (never linked to the checklist).
        name = (
            version.name if version else (item.code if item else item_result.task.items_text or item_result.task.name)
        )
        categories = [str(link.category) for link in item_result.category_links.all()]
        items[item_result.task_id].append({"item": name, "categories": categories})
        problem[item_result.task_id] |= item_result.problem_found
        if item_result.task_id not in task_ids:
            task_ids.append(item_result.task_id)
    tasks = Task.objects.filter(pk__in=task_ids).select_related("plan", "initiator").prefetch_related("cooperating")
    rows = []
    for task in tasks:
        cats: list[str] = []
        for entry in items[task.pk]:
            cats += [c for c in entry["categories"] if c not in cats]
        rows.append(
            {
                "task": task,
                "target": target,
                "target_name": target.name,
                "target_code": target.natural_key_value,
                "plan_year": task.plan.year,
                "plan_title": task.plan.title,
                "task_number": task.number,
                "task_name": task.name,
                "task_type": str(task.get_task_type_display()),
                "authority": _authority(task)[:500],
                "completed_on": result.completed_on,
                "items": items[task.pk],
                "result_text": "；".join(cats)[:1000],
                "problem_found": problem[task.pk] or (not items[task.pk] and result.problem_found),
            }
        )
    return rows


@transaction.atomic
def result_publish(*, result: Result) -> list[PublishedResult]:
    """Publish the visit's current result (a stale version is replaced by the newest), idempotently.

    Public labels are written in the site's language, whatever the submitter's session speaks.
    """
    # Lock the visit: the commit receiver, the daily sweep and a correction publishing at once
    # must not race on the (visit, task) unique row and record a failure that never was.
    Visit.objects.select_for_update().filter(pk=result.visit_id).first()
    with translation.override(settings.LANGUAGE_CODE):
        return _publish(result)


def _publish(result: Result) -> list[PublishedResult]:
    result = (
        Result.objects.filter(visit_id=result.visit_id).select_related("visit__target").order_by("-version").first()
        or result
    )
    published = []
    for row in _rows_of(result):
        task = row.pop("task")
        obj, _created = PublishedResult.objects.update_or_create(
            visit_id=result.visit_id,
            task=task,
            defaults={**row, "result": result, "version": result.version, "published_at": timezone.now()},
        )
        published.append(obj)
    PublicationIssue.objects.filter(result__visit_id=result.visit_id, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )
    return published


def on_result_submitted(sender: type[Result], result: Result, **kwargs: Any) -> None:
    """Receiver of `result_submitted`: publish, and never let a failure propagate to the entry."""
    try:
        result_publish(result=result)
    except Exception as exc:  # any failure: the sweep retries and the office is alarmed
        logger.exception("result %s: publication failed", result.pk)
        publication_issue_record(result=result, kind=IssueKind.FAILED, error=f"{type(exc).__name__}: {exc}")


@transaction.atomic
def publication_issue_record(*, result: Result, kind: str, error: str = "") -> PublicationIssue:
    issue, _ = PublicationIssue.objects.get_or_create(result=result, kind=kind, defaults={"error": error[:2000]})
    return issue


def unpublished_results() -> QuerySet[Result]:
    """Current results with no publication of their version: entered, not public."""
    published = PublishedResult.objects.filter(visit=OuterRef("visit"), version=OuterRef("version"))
    return current_results().annotate(is_published=Exists(published)).filter(is_published=False)


def office_users() -> QuerySet[User]:
    return User.objects.filter(role=Role.OFFICE, is_active=True)


def publications_sweep() -> int:
    """Publish every entered result that is not public, record the alarm, tell the office. Returns how many."""
    missing = list(unpublished_results().select_related("visit__target").order_by("pk"))
    for result in missing:
        issue = publication_issue_record(result=result, kind=IssueKind.MISSING)
        try:
            result_publish(result=result)
            republished = True
        except Exception as exc:
            logger.exception("result %s: publication failed again", result.pk)
            PublicationIssue.objects.filter(pk=issue.pk).update(error=f"{type(exc).__name__}: {exc}"[:2000])
            republished = False
        with transaction.atomic():
            notify(
                users=office_users(),
                key=f"publication-missing:result-{result.pk}",
                kind="publication",
                level=NotificationLevel.ALARM,
                title=f"检查结果未及时公示：{result.visit.target.name}",
                body=(
                    f"{result.visit.target.name} 的检查结果"
                    f"（第{result.version}版，{result.completed_on:%Y-%m-%d} 完成）"
                    + (
                        "已录入但未公示，系统已补公示。请核查公示失败原因，确保公示率100%。"
                        if republished
                        else "已录入但未公示，系统补公示再次失败，请立即处理，确保公示率100%。"
                    )
                ),
                url=f"{reverse('dashboard:index')}?alarm=publication",
            )
    return len(missing)


@transaction.atomic
def year_goals_set(*, year: int, coverage_percent: Decimal, tier_use_percent: Decimal, user: User) -> YearGoals:
    goals, _ = YearGoals.objects.update_or_create(
        year=year,
        defaults={
            "coverage_percent": coverage_percent,
            "tier_use_percent": tier_use_percent,
            "updated_at": timezone.now(),
        },
    )
    audit_record(
        actor=user,
        action="publicity.year_goals_set",
        obj=goals,
        detail={"coverage_percent": str(coverage_percent), "tier_use_percent": str(tier_use_percent)},
    )
    return goals
