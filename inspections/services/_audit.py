"""The audit door of the inspections services: the audit row commits with the change."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from registries.audit import audit_record


def record(*, actor: Any, action: str, obj: Model | None = None, detail: dict[str, Any] | None = None) -> None:
    audit_record(actor=actor, action=action, obj=obj, detail=detail)
