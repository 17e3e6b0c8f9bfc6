"""`{% load identity_menu %}{% account_menu %}`: the sign-in links or the account menu in
the site header, with the identity the person is acting for."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("identity/_account_menu.html", takes_context=True)
def account_menu(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    acting = None
    tools: list[dict[str, str]] = []
    if signed_in:
        from govhub.identity.session import acting_for

        acting = acting_for(request)  # type: ignore[arg-type]
        if getattr(user, "kind", "") == "staff":
            from govhub.identity.views_staff import staff_tools

            tools = staff_tools(user)
    return {
        "request": request,
        "user": user,
        "signed_in": signed_in,
        "acting": acting,
        "is_person": signed_in and getattr(user, "kind", "") != "staff",
        "staff_tools": tools,
        "admin_site": signed_in and bool(getattr(user, "is_staff", False)),
        "csrf_token": context.get("csrf_token"),
    }
