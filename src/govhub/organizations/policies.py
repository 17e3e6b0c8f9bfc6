"""Who may do what with organisations: the one place that decides.

Rights come only from positions (岗位授权). A position counts when it is active, today
lies within its dates, and its staff member and their account are both active. A
position held for a region also covers every region inside it (a supervisor of 鹤岗市
covers 萝北县 and its townships). The Django flags `is_staff`/`is_superuser` only open
the Django admin; they grant nothing here.

Roles do not imply one another: a system administrator manages departments and accounts
but is not a supervisor or an approver (separation of duties).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from govhub.core.requestid import request_cache
from govhub.organizations.models import Department, Position, Region, StaffMember

Role = Position.Role


def _is_signed_in(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
    )


def valid_positions(user: Any) -> list[Position]:
    """The positions that count today for `user`: one query, remembered for the rest of
    the request (`core.requestid.request_cache`), so a page that asks many permission
    questions, such as the admin's sidebar, does not repeat it. Outside a request nothing
    is remembered. Services that change positions call `forget_positions`."""
    if not _is_signed_in(user):
        return []
    today = timezone.localdate()
    cache = request_cache()
    key = ("organizations.valid_positions", user.pk, today)
    if cache is not None and key in cache:
        return list(cache[key])  # type: ignore[call-overload]
    positions = list(
        Position.objects.valid_on(today)
        .filter(staff__user_id=user.pk)
        .select_related("department", "region", "window")
        .prefetch_related("window__departments")
        # One staff member's positions: the model's ordering ("staff", "role") would join
        # the staff member's department only to sort by it (a 7-table plan per request).
        .order_by("role", "pk")
    )
    if cache is not None:
        cache[key] = positions
    return list(positions)


def forget_positions(user: Any) -> None:
    """Drop what this request remembered of the user's positions."""
    cache = request_cache()
    if cache is not None and user is not None:
        for key in [
            k
            for k in cache
            if isinstance(k, tuple) and k[:2] == ("organizations.valid_positions", user.pk)
        ]:
            del cache[key]


def staff_roles(user: Any) -> set[str]:
    """The roles `user` holds today, whatever their scope."""
    return {position.role for position in valid_positions(user)}


def user_has_role(
    user: Any,
    role: str,
    *,
    department: Department | None = None,
    region: Region | None = None,
) -> bool:
    """Whether `user` holds `role` today for `department` (when given) in `region`
    (when given; a position's region covers its descendants)."""
    for position in valid_positions(user):
        if position.role != role:
            continue
        if department is not None and position.department_id != department.pk:
            continue
        if region is not None and not position.region.covers(region):
            continue
        return True
    return False


def is_system_admin(user: Any) -> bool:
    return user_has_role(user, Role.SYSTEM_ADMIN)


def can_manage_department(user: Any, department: Department) -> bool:
    """Department administrators of `department`, and system administrators."""
    return any(
        position.role == Role.SYSTEM_ADMIN
        or (position.role == Role.DEPARTMENT_ADMIN and position.department_id == department.pk)
        for position in valid_positions(user)
    )


def can_supervise_region(user: Any, region: Region) -> bool:
    """Supervisors whose region is `region` or contains it."""
    return user_has_role(user, Role.SUPERVISOR, region=region)


def can_manage_hall_windows(user: Any, *, hall_operator: Department) -> bool:
    """Windows of a hall are set by the administrators of the department running it."""
    return can_manage_department(user, hall_operator)


def can_grant_role(user: Any, *, role: str, department: Department) -> bool:
    """Administrative roles are granted by system administrators only; working roles also
    by the department's administrators."""
    if role in (Role.SYSTEM_ADMIN, Role.SUPERVISOR, Role.DEPARTMENT_ADMIN):
        return is_system_admin(user)
    return can_manage_department(user, department)


def departments_visible_to(user: Any) -> QuerySet[Department]:
    """Departments whose internal data (staff, queues) `user` may see: those they hold a
    position in, every department in a region they supervise, and all of them for a
    system administrator. Nobody else sees any."""
    positions = valid_positions(user)
    if any(position.role == Role.SYSTEM_ADMIN for position in positions):
        return Department.objects.all()
    condition = Q(pk__in={position.department_id for position in positions})
    for position in positions:
        if position.role == Role.SUPERVISOR:
            condition |= Q(region__path__startswith=position.region.path)
    if not positions:
        return Department.objects.none()
    return Department.objects.filter(condition)


def staff_visible_to(user: Any) -> QuerySet[StaffMember]:
    """Staff records `user` may list: their own; those of departments they administer;
    those of departments in regions they supervise; all for a system administrator."""
    if not _is_signed_in(user):
        return StaffMember.objects.none()
    positions = valid_positions(user)
    if any(position.role == Role.SYSTEM_ADMIN for position in positions):
        return StaffMember.objects.all()
    condition = Q(user_id=user.pk)
    for position in positions:
        if position.role == Role.DEPARTMENT_ADMIN:
            condition |= Q(department_id=position.department_id)
        elif position.role == Role.SUPERVISOR:
            condition |= Q(department__region__path__startswith=position.region.path)
    return StaffMember.objects.filter(condition)
