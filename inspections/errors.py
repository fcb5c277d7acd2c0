"""The one error type of inspections for a refused request (a rule, not a bug)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class InspectionError(ValidationError):
    """A rule of inspections refused the request (a late date, a locked result, a second
    submission, a bad calendar line). Raised with translated messages (one or a list); views
    catch it and show `messages`. A ValidationError, so code catching that catches it too."""

    def __str__(self) -> str:
        return "；".join(self.messages)
