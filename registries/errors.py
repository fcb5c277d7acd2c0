"""The one error type of the registries for a refused request (a rule, not a bug)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class RegistryError(ValidationError):
    """A rule of the registries refused the request. Raised with translated messages (one or a
    list, like ValidationError, which it is: forms and views that catch ValidationError catch it);
    views show `messages` to the user."""

    def __str__(self) -> str:
        return "；".join(self.messages)
