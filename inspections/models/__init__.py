"""Inspections: the working-day calendar, draws, visits and results."""

from inspections.models.calendar import CalendarDay, CalendarSource, CalendarYear
from inspections.models.draws import DrawnTarget, DrawRound, ItemRequirement, RoundStatus, TeamMember
from inspections.models.followups import DUE_KINDS, TRANSFER_KINDS, FollowUp, FollowUpStatus, FollowUpStep, StepKind
from inspections.models.results import (
    Correction,
    CorrectionStatus,
    Evidence,
    EvidenceKind,
    ItemResult,
    ItemResultCategory,
    Result,
    ResultCategory,
    ResultDraft,
)
from inspections.models.visits import Visit, VisitCoverage, VisitStatus

__all__ = [
    "DUE_KINDS",
    "TRANSFER_KINDS",
    "CalendarDay",
    "CalendarSource",
    "CalendarYear",
    "Correction",
    "CorrectionStatus",
    "DrawRound",
    "DrawnTarget",
    "Evidence",
    "EvidenceKind",
    "FollowUp",
    "FollowUpStatus",
    "FollowUpStep",
    "ItemRequirement",
    "ItemResult",
    "ItemResultCategory",
    "Result",
    "ResultCategory",
    "ResultDraft",
    "RoundStatus",
    "StepKind",
    "TeamMember",
    "Visit",
    "VisitCoverage",
    "VisitStatus",
]
