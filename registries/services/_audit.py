"""One door to the audit trail for the registry services."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import HttpRequest

from registries.audit import audit_record
from registries.models import User


def record(
    *,
    actor: User,
    action: str,
    obj: Model | None = None,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Write an audit event in the caller's transaction (the services are atomic)."""
    audit_record(actor=actor, action=action, obj=obj, request=request, detail=detail)
