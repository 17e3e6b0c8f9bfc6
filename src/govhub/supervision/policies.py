"""Who may see and act on supervision alerts: the one place that decides.

- Supervisors (岗位 电子监察人员) see every alert in the regions they supervise (a region
  covers its descendants), across departments; they close alerts, escalate them to a
  supervision notice and may tell a department about an alert.
- Department staff (any valid position in the alert's department whose region covers the
  alert's region) see their department's alerts only, and explain them.
- Nobody else sees any; a system administrator is not a supervisor (separation of duties).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from govhub.organizations.models import Position, Region
from govhub.organizations.policies import valid_positions
from govhub.supervision.models import Alert

Role = Position.Role


def _region_ids(path: str, memo: dict[str, list[int]]) -> list[int]:
    if path not in memo:
        memo[path] = list(Region.objects.filter(path__startswith=path).values_list("pk", flat=True))
    return memo[path]


def alert_scope(user: Any) -> Q | None:
    """The alerts `user` may see as a condition on `Alert`, or None for none at all."""
    positions = valid_positions(user)
    memo: dict[str, list[int]] = {}
    condition: Q | None = None
    supervised = {p.region.path for p in positions if p.role == Role.SUPERVISOR}
    for path in sorted(supervised):
        part = Q(region_id__any_of=_region_ids(path, memo))
        condition = part if condition is None else condition | part
    for position in positions:
        if position.role in (Role.SUPERVISOR, Role.SYSTEM_ADMIN):
            continue
        if any(position.region.path.startswith(path) for path in supervised):
            continue  # already covered by the supervision scope
        part = Q(
            department_id=position.department_id,
            region_id__any_of=_region_ids(position.region.path, memo),
        )
        condition = part if condition is None else condition | part
    return condition


def can_supervise(user: Any, alert: Alert) -> bool:
    """Supervisors whose region is the alert's or contains it."""
    return any(
        position.role == Role.SUPERVISOR and position.region.covers(alert.region)
        for position in valid_positions(user)
    )


def is_department_staff(user: Any, alert: Alert) -> bool:
    """Staff with a valid position in the alert's department covering its region."""
    return any(
        position.role not in (Role.SUPERVISOR, Role.SYSTEM_ADMIN)
        and position.department_id == alert.department_id
        and position.region.covers(alert.region)
        for position in valid_positions(user)
    )


def can_see(user: Any, alert: Alert) -> bool:
    return can_supervise(user, alert) or is_department_staff(user, alert)


def can_explain(user: Any, alert: Alert) -> bool:
    return is_department_staff(user, alert)


def can_close(user: Any, alert: Alert) -> bool:
    return can_supervise(user, alert)


def can_escalate(user: Any, alert: Alert) -> bool:
    return can_supervise(user, alert)


def can_notify(user: Any, alert: Alert) -> bool:
    return can_supervise(user, alert)
