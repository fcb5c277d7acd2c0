"""Dashboard snapshots: the page reads figures computed at most `DASHBOARD_SNAPSHOT_SECONDS` ago.

`figures()` is exact but takes seconds at a million targets; beat refreshes the current
year's snapshots (the whole area and each department) every few minutes, and a page that
finds none, or one older than the limit or of another day, computes and stores it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from plans.models import Task
from publicity.dashboard import Figures, Row, TierFinds, TierRatio, figures, goals_for
from publicity.models import DashboardSnapshot
from registries.models import Department, Target


def _dump(f: Figures) -> dict[str, Any]:
    return {
        "rows": [dataclasses.asdict(r) for r in f.rows],
        "total": dataclasses.asdict(f.total),
        "finds": [dataclasses.asdict(x) for x in f.finds],
        "ratios": [
            {**dataclasses.asdict(x), "planned": [x.planned.numerator, x.planned.denominator]} for x in f.ratios
        ],
        "fairness_checked": f.fairness_checked,
        "fairness_flagged": f.fairness_flagged,
        "publication_issues_open": f.publication_issues_open,
        "publication_issues_year": f.publication_issues_year,
        "months": f.months,
    }


def _load(data: dict[str, Any], *, year: int, today: dt.date, department: Department | None) -> Figures:
    return Figures(
        year=year,
        today=today,
        department=department,
        goals=goals_for(year),  # live: the office's change shows at once
        rows=[Row(**r) for r in data["rows"]],
        total=Row(**data["total"]),
        finds=[TierFinds(**x) for x in data["finds"]],
        ratios=[TierRatio(**{**x, "planned": Fraction(*x["planned"])}) for x in data["ratios"]],
        fairness_checked=data["fairness_checked"],
        fairness_flagged=data["fairness_flagged"],
        publication_issues_open=data["publication_issues_open"],
        publication_issues_year=data["publication_issues_year"],
        months=data["months"],
    )


def snapshot_refresh(*, year: int, today: dt.date, department: Department | None = None) -> Figures:
    """Compute the figures and store them as the snapshot (one row per year and department)."""
    f = figures(year=year, today=today, department=department)
    values = {"computed_on": today, "computed_at": timezone.now(), "data": _dump(f)}
    try:
        with transaction.atomic():
            DashboardSnapshot.objects.update_or_create(year=year, department=department, defaults=values)
    except IntegrityError:  # a concurrent refresh stored it first: theirs is as fresh
        pass
    return f


def cached_figures(*, year: int, today: dt.date, department: Department | None = None) -> tuple[Figures, dt.datetime]:
    """The stored figures when fresh enough, else computed now; with the time they were computed."""
    limit = dt.timedelta(seconds=settings.DASHBOARD_SNAPSHOT_SECONDS)
    snap = DashboardSnapshot.objects.filter(year=year, department=department).first()
    if snap is not None and snap.computed_on == today and timezone.now() - snap.computed_at <= limit:
        try:
            return _load(snap.data, year=year, today=today, department=department), snap.computed_at
        except (KeyError, TypeError):  # stored by an older version of the figures: compute afresh
            pass
    return snapshot_refresh(year=year, today=today, department=department), timezone.now()


def snapshots_refresh(*, today: dt.date) -> int:
    """Beat: this year's snapshots for the area and for each department with tasks or targets."""
    year = today.year
    snapshot_refresh(year=year, today=today)
    ids = set(Task.objects.filter(plan__year=year).values_list("initiator_id", flat=True))
    ids |= set(Target.objects.order_by().values_list("department_id", flat=True).distinct())
    departments = Department.objects.filter(pk__in=[i for i in ids if i is not None])
    n = 1
    for department in departments:
        snapshot_refresh(year=year, today=today, department=department)
        n += 1
    return n
