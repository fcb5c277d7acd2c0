"""The one error type of plans for a refused request (a rule, not a bug)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class PlanError(ValidationError):
    """A rule of plans refused the request. Raised with translated messages (one or a list);
    views catch it and show `messages`. A ValidationError, so forms and views catching that
    catch it too."""

    def __str__(self) -> str:
        return "；".join(self.messages)


class PlanImportError(PlanError):
    """The table cannot be committed; one message per problem (with row numbers)."""
