"""Kept for the historical migrations only (0002 seeds the calendar, 0006 backfills deadlines),
which import these names from here and cannot be edited. New code imports from
`inspections.workdays` (date arithmetic), `inspections.services.calendar` (the service),
`inspections.calendar_parsing` (the notice's lines) and `inspections.notifications`."""

from __future__ import annotations

from inspections.services.calendar import calendar_seed_from_library
from inspections.workdays import WorkingDays

__all__ = ["WorkingDays", "calendar_seed_from_library"]
