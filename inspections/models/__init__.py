"""Inspections: the working-day calendar, draws, visits and results."""

from inspections.models.calendar import CalendarDay, CalendarSource, CalendarYear
from inspections.models.draws import DrawnTarget, DrawRound, ItemRequirement, RoundStatus, TeamMember
from inspections.models.visits import Visit, VisitCoverage, VisitStatus

__all__ = [
    "CalendarDay",
    "CalendarSource",
    "CalendarYear",
    "DrawRound",
    "DrawnTarget",
    "ItemRequirement",
    "RoundStatus",
    "TeamMember",
    "Visit",
    "VisitCoverage",
    "VisitStatus",
]
