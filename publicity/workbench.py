"""The workbench: what each person must do today, assembled from the apps that own the data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max
from django.utils.translation import gettext_lazy

from inspections import selectors as inspection_selectors
from registries.models import Notification, User
from registries.selectors import imports_to_review

# What an alert's kind (its cause) is called on the workbench.
ALERT_CAUSES = {
    "result-due": gettext_lazy("检查结果即将到期"),
    "result-overdue": gettext_lazy("检查结果逾期未录入"),
    "plan-late": gettext_lazy("年度抽查计划未按期公布"),
    "task-no-draw": gettext_lazy("抽查任务未按期抽取"),
    "task-unfinished": gettext_lazy("抽查任务未在12月20日前完成"),
    "follow-up-overdue": gettext_lazy("后续处理逾期"),
    "calendar_missing": gettext_lazy("节假日安排尚未录入"),
    "correction_pending": gettext_lazy("检查结果更正待审批"),
    "correction_decided": gettext_lazy("检查结果更正已审批"),
}


@dataclass
class AlertGroup:
    kind: str
    cause: str
    count: int
    latest: dt.datetime
    example: str


@dataclass
class Todos:
    """A user's to-dos by role; `total` is what the navigation shows."""

    visits: dict[str, list[Any]] = field(default_factory=dict)
    corrections: list[Any] = field(default_factory=list)
    imports: list[Any] = field(default_factory=list)
    draws: list[Any] = field(default_factory=list)
    closing: list[Any] = field(default_factory=list)
    alerts: list[AlertGroup] = field(default_factory=list)

    @property
    def total(self) -> int:
        visits = sum(len(v) for v in self.visits.values())
        return (
            visits + len(self.corrections) + len(self.imports) + len(self.draws) + len(self.closing) + len(self.alerts)
        )


def alert_groups(user: User) -> list[AlertGroup]:
    """The user's unread notifications grouped by cause, the largest group first."""
    rows = (
        Notification.objects.filter(user=user, read_at__isnull=True)
        .values("kind")
        .annotate(n=Count("pk"), latest=Max("created_at"), title=Max("title"))
        .order_by("-n", "kind")
    )
    return [
        AlertGroup(
            kind=row["kind"],
            cause=str(ALERT_CAUSES.get(row["kind"], row["title"])),
            count=row["n"],
            latest=row["latest"],
            example=row["title"],
        )
        for row in rows
    ]


def _alert_group_count(user: User) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    return unread.values("kind").distinct().order_by()[: inspection_selectors.TODO_CAP + 1].count()


def _is_office(user: User) -> bool:
    return user.has_perm("registries.view_all_departments")


def todos_for(user: User, today: dt.date) -> Todos:
    """Everything the user must do today, by what their role does."""
    todos = Todos()
    if user.has_perm("inspections.record_visits"):
        todos.visits = inspection_selectors.inspector_todos(user, today)
    elif user.has_perm("inspections.review_corrections"):
        todos.corrections = list(inspection_selectors.corrections_to_decide(user))
    elif _is_office(user):
        todos.alerts = alert_groups(user)
    elif user.has_perm("registries.import_registry"):
        todos.imports = list(imports_to_review(user))
        todos.draws = list(inspection_selectors.draws_to_run(user, today))
        todos.closing = [
            (task, inspection_selectors.task_window_end(task))
            for task in inspection_selectors.windows_closing(user, today)
        ]
    return todos


def todo_count(user: User, today: dt.date) -> int:
    """The navigation's count of `todos_for` (each part up to TODO_CAP + 1), in at most two queries."""
    if user.has_perm("inspections.record_visits") or user.has_perm("inspections.review_corrections"):
        return inspection_selectors.todo_count(user, today)
    if _is_office(user):
        return _alert_group_count(user)
    if user.has_perm("registries.import_registry"):
        imports = imports_to_review(user).order_by()[: inspection_selectors.TODO_CAP + 1].count()
        return imports + inspection_selectors.todo_count(user, today)
    return 0
