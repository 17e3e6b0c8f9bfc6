"""`{% load notifications %}`:

- `{% unread_count %}` (or `{% unread_count user %}`): the number of unread messages of
  the signed-in person (0 when signed out);
- `{% inbox_link %}`: a header link to the inbox with an unread badge (nothing when
  signed out).

One count query per request, whichever is used and however often.
"""

from __future__ import annotations

from typing import Any

from django import template

from govhub.notifications import selectors

register = template.Library()

BADGE_LIMIT = 99


def _user(context: template.Context, user: Any = None) -> Any:
    if user is not None:
        return user
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.simple_tag(takes_context=True)
def unread_count(context: template.Context, user: Any = None) -> int:
    return selectors.unread_count(_user(context, user))


@register.inclusion_tag("notifications/_inbox_link.html", takes_context=True)
def inbox_link(context: template.Context) -> dict[str, Any]:
    user = _user(context)
    signed_in = bool(user is not None and getattr(user, "is_authenticated", False))
    count = selectors.unread_count(user) if signed_in else 0
    return {
        "signed_in": signed_in,
        "count": count,
        "shown": f"{BADGE_LIMIT}+" if count > BADGE_LIMIT else str(count),
    }
