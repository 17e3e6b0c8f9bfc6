"""`{% load cases_tags %}{% apply_button item %}`: the "apply online" button of an item's
guide page, shown when the item can be applied for online (active, its published
version handled "online" and carrying an application form)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("cases/applicant/_apply_button.html")
def apply_button(item: Any) -> dict[str, Any]:
    from govhub.cases.views_applicant_common import accepts_online

    return {"item": item, "show": item is not None and accepts_online(item)}


@register.simple_tag(takes_context=True)
def kiosk_frame(context: template.Context) -> dict[str, Any]:
    """`{% kiosk_frame as frame %}`: the kiosk's idle timings and who is signed in."""
    from govhub.cases.views_kiosk import kiosk_context

    return kiosk_context(context["request"])


@register.inclusion_tag("cases/staff/_workbench_link.html", takes_context=True)
def workbench_link(context: template.Context) -> dict[str, Any]:
    """`{% workbench_link %}`: a "工作台" link in the header for staff with a working
    position (nothing for anyone else)."""
    from govhub.cases.views_staff_common import can_use_workbench

    request = context.get("request")
    user = getattr(request, "user", None)
    # Only staff accounts hold positions: nobody else costs a query.
    shown = bool(
        user is not None
        and user.is_authenticated
        and getattr(user, "kind", "") == "staff"
        and can_use_workbench(user)
    )
    return {"shown": shown}
