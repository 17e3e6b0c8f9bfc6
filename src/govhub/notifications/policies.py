"""Who may do what with notifications: the one place that decides.

Messages are private to their recipient (the selectors only ever read the caller's own).
Notification templates and the delivery record are kept by system administrators.
"""

from __future__ import annotations

from typing import Any

from govhub.organizations.policies import is_system_admin


def can_manage_templates(user: Any) -> bool:
    return is_system_admin(user)


def can_view_deliveries(user: Any) -> bool:
    return is_system_admin(user)


def can_retry_deliveries(user: Any) -> bool:
    return is_system_admin(user)
