"""The one error type of publicity for a refused request (a rule, not a bug)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class PublicityError(ValidationError):
    """A rule of publicity refused the request. Raised with translated messages (one or a
    list); views catch it and show `messages`."""

    def __str__(self) -> str:
        return "；".join(self.messages)
