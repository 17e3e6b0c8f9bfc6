"""What every workbench page shares: who may open it, the case a staff member may see,
and how deadlines and people are labelled.

The workbench is for staff holding a working position (window clerks, reviewers,
approvers, department administrators, grassroots agents, hotline operators, supervisors)
in a session at level L2 (password + TOTP for staff). Everyone else gets the portal's 403
page; a case outside the caller's scope is a 404 (they learn nothing about it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from govhub.cases import clock, selectors
from govhub.cases.models import Case, Channel
from govhub.cases.workflow import FINAL_STATES, State
from govhub.identity.session import require_level
from govhub.organizations.models import Position
from govhub.organizations.policies import staff_roles

Role = Position.Role

# Positions that open the workbench. A system administrator alone does not (separation of
# duties: administering the platform is not handling cases).
WORKBENCH_ROLES = frozenset(
    {
        Role.WINDOW_CLERK,
        Role.REVIEWER,
        Role.APPROVER,
        Role.DEPARTMENT_ADMIN,
        Role.GRASSROOTS_AGENT,
        Role.HOTLINE_OPERATOR,
        Role.SUPERVISOR,
    }
)
INTAKE_ROLES = frozenset({Role.WINDOW_CLERK, Role.GRASSROOTS_AGENT, Role.HOTLINE_OPERATOR})
# Days left at or below which a deadline is "near".
NEAR_DUE_DAYS = 2


def can_use_workbench(user: Any) -> bool:
    return bool(staff_roles(user) & WORKBENCH_ROLES)


def can_take_in(user: Any) -> bool:
    return bool(staff_roles(user) & INTAKE_ROLES)


def staff_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A workbench page: never cached, a staff session at L2, a working position."""

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not can_use_workbench(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return never_cache(require_level("L2")(cast(Callable[..., HttpResponse], checked)))


def staff_case_or_404(user: Any, number: str) -> Case:
    """A case `user` may open as staff (`selectors.staff_cases`), or 404."""
    case = (
        selectors.staff_cases(user)
        .select_related("item", "version", "department", "region", "current_step")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404
    return case


def workbench_tabs(user: Any, section: str) -> list[dict[str, Any]]:
    tabs: list[dict[str, Any]] = [
        {"label": _("办件队列"), "url": reverse("workbench:queue"), "section": "queue"}
    ]
    if can_take_in(user):
        tabs.append(
            {"label": _("受理登记"), "url": reverse("workbench:intake"), "section": "intake"}
        )
    for tab in tabs:
        tab["current"] = tab["section"] == section
    return tabs


def render_workbench(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    section: str = "queue",
    status: int = 200,
) -> HttpResponse:
    context.setdefault("workbench_tabs", workbench_tabs(request.user, section))
    return render(request, f"cases/staff/{template}", context, status=status)


# --- labels ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeLeft:
    """How much time a case has left, as words (never colour alone) and a tone for CSS:
    "ok", "near", "overdue", "paused" or "none"."""

    label: str
    tone: str


def _days(count: int, unit: str) -> str:
    if unit == clock.CALENDAR:
        return ngettext("%(n)s 个自然日", "%(n)s 个自然日", count) % {"n": count}
    return ngettext("%(n)s 个工作日", "%(n)s 个工作日", count) % {"n": count}


def time_left(case: Case, summary: clock.ClockSummary) -> TimeLeft:
    if case.state in FINAL_STATES:
        return TimeLeft(_("已结束"), "none")
    if case.decided_at is not None:
        return TimeLeft(_("已作出决定"), "none")
    if summary.accepted_on is None:
        return TimeLeft(_("尚未受理，未起算"), "none")
    if summary.left is None:
        return TimeLeft(_("无时限"), "none")
    unit = summary.unit
    if summary.paused:
        return TimeLeft(
            _("暂停计时，剩余 %(days)s") % {"days": _days(max(summary.left, 0), unit)}, "paused"
        )
    if summary.overdue:
        return TimeLeft(_("已超期 %(days)s") % {"days": _days(-summary.left, unit)}, "overdue")
    if summary.left == 0:
        return TimeLeft(_("今日到期"), "near")
    if summary.left <= NEAR_DUE_DAYS:
        return TimeLeft(_("即将到期，剩余 %(days)s") % {"days": _days(summary.left, unit)}, "near")
    return TimeLeft(_("剩余 %(days)s") % {"days": _days(summary.left, unit)}, "ok")


def days_text(count: int | None, unit: str) -> str:
    return "—" if count is None else _days(count, unit)


def person_label(user: Any) -> str:
    if user is None:
        return ""
    return getattr(user, "full_name", "") or user.get_username()


def role_label(role: str) -> str:
    """A history row's role: a position's name, or who acted (applicant, staff, system)."""
    labels = {
        "applicant": _("申请人"),
        "staff": _("工作人员"),
        "system": _("系统"),
        **{value: str(label) for value, label in Role.choices},
    }
    return str(labels.get(role, role))


def behalf_label(value: str) -> str:
    """`person:230404********1234` → 申请人 230404********1234; `enterprise:<USCC>` →
    单位 <USCC>."""
    kind, _sep, rest = value.partition(":")
    if kind == "person":
        return _("申请人 %(id)s") % {"id": rest}
    if kind == "enterprise":
        return _("单位 %(uscc)s") % {"uscc": rest}
    return value


def channel_label(value: str) -> str:
    return str(Channel(value).label) if value in Channel.values else value


def state_tone(state: str) -> str:
    """A CSS tone for a state badge (the badge also says the state in words)."""
    if state in (State.NOT_ACCEPTED, State.TERMINATED, State.WITHDRAWN):
        return "bad"
    if state in (State.SUPPLEMENT_REQUESTED, State.SPECIAL_PROCEDURE):
        return "warn"
    if state in (State.COMPLETED, State.DELIVERED, State.ISSUED, State.DECIDED):
        return "good"
    return "info"
