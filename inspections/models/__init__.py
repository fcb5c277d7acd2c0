"""Inspections: the working-day calendar, draws, visits and results."""

from inspections.models.calendar import CalendarDay, CalendarSource, CalendarYear

__all__ = ["CalendarDay", "CalendarSource", "CalendarYear"]
