"""Personal numbers shown masked: `{{ inspector.id_number|mask_id_number }}`."""

from __future__ import annotations

from django import template

from registries import masking

register = template.Library()


@register.filter
def mask_id_number(value: str | None) -> str:
    return masking.mask_id_number(value)


@register.filter
def mask_phone(value: str | None) -> str:
    return masking.mask_phone(value)
