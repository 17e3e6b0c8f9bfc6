"""`{% load supervision_tags %}{% supervision_link %}`: a "电子监察" link in the site header
for staff who supervise or belong to a department (nothing for anyone else)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("supervision/_supervision_link.html", takes_context=True)
def supervision_link(context: template.Context) -> dict[str, Any]:
    from govhub.supervision.views_common import can_open_supervision

    request = context.get("request")
    user = getattr(request, "user", None)
    # Only staff accounts hold positions: nobody else costs a query (and a staff member's
    # positions are read once per request, shared with the workbench link).
    shown = bool(
        user is not None
        and user.is_authenticated
        and getattr(user, "kind", "") == "staff"
        and can_open_supervision(user)
    )
    return {"shown": shown}
