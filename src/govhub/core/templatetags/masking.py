"""`{% load masking %}`: `{{ person.id_number|mask_id }}`, `|mask_phone`, `|mask_name`."""

from __future__ import annotations

from django import template

from govhub.core import masking

register = template.Library()


@register.filter
def mask_id(value: object) -> str:
    return masking.mask_id_number(value)


@register.filter
def mask_phone(value: object) -> str:
    return masking.mask_phone(value)


@register.filter
def mask_name(value: object) -> str:
    return masking.mask_name(value)
