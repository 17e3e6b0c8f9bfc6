"""Who may do what with accounts and enterprises: the one place that decides."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from govhub.identity.models import AgentAuthorization, AgentScope, Enterprise
from govhub.organizations import policies as org_policies
from govhub.organizations.models import Position, StaffMember

ALL_AGENT_SCOPES = frozenset(AgentScope.values)


def _signed_in(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
    )


def is_legal_representative(user: Any, enterprise: Enterprise) -> bool:
    return _signed_in(user) and enterprise.legal_representative_id == user.pk


def can_manage_agents(user: Any, enterprise: Enterprise) -> bool:
    """Only the legal representative grants and revokes agents, while the enterprise
    account is active."""
    return (
        is_legal_representative(user, enterprise) and enterprise.status == Enterprise.Status.ACTIVE
    )


def valid_authorization(user: Any, enterprise: Enterprise) -> AgentAuthorization | None:
    if not _signed_in(user):
        return None
    return (
        AgentAuthorization.objects.valid_at(timezone.now())
        .filter(enterprise=enterprise, agent_id=user.pk)
        .order_by("-valid_from")
        .first()
    )


def can_act_for(user: Any, enterprise: Enterprise) -> bool:
    """The legal representative, or an agent whose authorisation is valid now; the
    enterprise account must be active."""
    if not _signed_in(user) or enterprise.status != Enterprise.Status.ACTIVE:
        return False
    if enterprise.legal_representative_id == user.pk:
        return True
    return valid_authorization(user, enterprise) is not None


def agent_scopes(user: Any, enterprise: Enterprise) -> set[str]:
    """What `user` may do for `enterprise` now: every scope for the legal representative,
    the granted ones for a valid agent, nothing otherwise."""
    if not can_act_for(user, enterprise):
        return set()
    if enterprise.legal_representative_id == user.pk:
        return set(ALL_AGENT_SCOPES)
    authorization = valid_authorization(user, enterprise)
    return set(authorization.scopes) if authorization is not None else set()


def can_revoke_authorization(user: Any, authorization: AgentAuthorization) -> bool:
    """The legal representative, or the agent giving it up."""
    return _signed_in(user) and (
        authorization.enterprise.legal_representative_id == user.pk
        or authorization.agent_id == user.pk
    )


def can_confirm_in_person(user: Any) -> bool:
    """Window clerks confirm a person's identity at the counter (L3)."""
    return org_policies.user_has_role(user, Position.Role.WINDOW_CLERK)


def can_issue_staff_activation(user: Any, staff: StaffMember) -> bool:
    return org_policies.can_manage_department(user, staff.department)


def can_remove_totp(actor: Any, user: Any) -> bool:
    """A person removes their own authenticator; a staff member's is removed by their
    department's administrators (a lost phone), never by themselves."""
    if not _signed_in(actor):
        return False
    staff = StaffMember.objects.filter(user_id=user.pk).select_related("department").first()
    if staff is not None:
        return actor.pk != user.pk and org_policies.can_manage_department(actor, staff.department)
    if getattr(user, "kind", "") == "staff" or getattr(user, "is_staff", False):
        return actor.pk != user.pk and org_policies.is_system_admin(actor)
    return actor.pk == user.pk


def can_view_sign_in_history(actor: Any, user: Any) -> bool:
    return _signed_in(actor) and actor.pk == user.pk
