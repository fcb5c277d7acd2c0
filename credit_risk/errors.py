"""The one error type of credit risk for a refused request (a rule, not a bug)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class CreditRiskError(ValidationError):
    """A rule of credit risk refused the request. Raised with translated messages (one or a
    list); views catch it and show `messages`."""

    def __str__(self) -> str:
        return "；".join(self.messages)
