"""Who may change the catalogue: the one place that decides.

Rights come only from positions (see `govhub.organizations.policies`); Django's
`is_staff`/`is_superuser` flags open the admin but grant nothing here.

- Edit and submit an implementation item (drafts, materials, variants): department
  administrators of the item's department, when their position's region covers the item's
  region. System administrators may also edit (to correct data centrally).
- Publish or reject a submitted version, cancel or hand down an item: system
  administrators only. Separation of duties: the one who writes the guide is not the one
  who approves it for every channel, and a department cannot publish its own text alone.
- Create or change base items (基本目录) and themes/life events: system administrators
  only (the catalogue authority).
- Import a whole catalogue: system administrators only.
"""

from __future__ import annotations

from typing import Any

from govhub.catalog.models import ImplementationItem
from govhub.organizations.models import Department, Position, Region
from govhub.organizations.policies import is_system_admin, valid_positions

Role = Position.Role


def can_edit_for(user: Any, *, department: Department, region: Region) -> bool:
    """Department administrators of `department` whose region covers `region`; system
    administrators."""
    for position in valid_positions(user):
        if position.role == Role.SYSTEM_ADMIN:
            return True
        if (
            position.role == Role.DEPARTMENT_ADMIN
            and position.department_id == department.pk
            and position.region.covers(region)
        ):
            return True
    return False


def can_edit_item(user: Any, item: ImplementationItem) -> bool:
    return can_edit_for(user, department=item.department, region=item.region)


def can_submit_item(user: Any, item: ImplementationItem) -> bool:
    return can_edit_item(user, item)


def can_publish_item(user: Any, item: ImplementationItem) -> bool:
    return is_system_admin(user)


def can_change_item_state(user: Any, item: ImplementationItem) -> bool:
    """Cancel or hand down (取消 / 下放)."""
    return is_system_admin(user)


def can_manage_base_items(user: Any) -> bool:
    return is_system_admin(user)


def can_import_catalogue(user: Any) -> bool:
    return is_system_admin(user)


def editing_role(user: Any) -> str:
    """The capacity `user` edits the catalogue in, for the audit record: a system
    administrator, else a department administrator, else none (a command or the demo)."""
    roles = {position.role for position in valid_positions(user)}
    for role in (Role.SYSTEM_ADMIN, Role.DEPARTMENT_ADMIN):
        if role in roles:
            return str(role)
    return ""
