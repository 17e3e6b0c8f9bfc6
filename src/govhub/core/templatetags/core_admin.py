"""Template helpers for the admin screens of the core app."""

from __future__ import annotations

from django import template
from django.db import DatabaseError

from govhub.core.calendar import missing_schedule_years

register = template.Library()


@register.simple_tag
def calendar_missing_years() -> list[int]:
    """Years whose working-day calendar should be published now (see `missing_schedule_years`)."""
    try:
        return missing_schedule_years()
    except DatabaseError:  # tables not migrated yet: the admin still opens
        return []
