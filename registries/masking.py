"""Personal numbers shown masked (ID card and phone numbers of inspectors)."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """140522199001011234 -> 140522********1234."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """13912345678 -> 139****5678."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
