"""Reads of the identity domain, scoped to the caller."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from govhub.core.errors import Forbidden
from govhub.identity import policies
from govhub.identity.models import AgentAuthorization, AgentScope, Enterprise, SignInEvent, User


def enterprises_for(user: Any) -> QuerySet[Enterprise]:
    """Enterprises `user` may act for now: those they represent and those with a valid
    agent authorisation; active enterprises only."""
    if not getattr(user, "is_authenticated", False):
        return Enterprise.objects.none()
    now = timezone.now()
    valid = AgentAuthorization.objects.valid_at(now).filter(agent_id=user.pk)
    return (
        Enterprise.objects.filter(status=Enterprise.Status.ACTIVE)
        .filter(Q(legal_representative_id=user.pk) | Q(pk__in=valid.values("enterprise_id")))
        .select_related("legal_representative")
        .order_by("uscc")
    )


def enterprises_represented_by(user: Any) -> QuerySet[Enterprise]:
    if not getattr(user, "is_authenticated", False):
        return Enterprise.objects.none()
    return Enterprise.objects.filter(legal_representative_id=user.pk).order_by("uscc")


def agents_of(*, actor: Any, enterprise: Enterprise) -> QuerySet[AgentAuthorization]:
    """Every authorisation of the enterprise, newest first, current and past: for its
    legal representative only."""
    if not policies.is_legal_representative(actor, enterprise):
        raise Forbidden()
    return (
        AgentAuthorization.objects.filter(enterprise=enterprise)
        .select_related("agent", "granted_by", "enterprise")
        .order_by("-valid_from", "-id")
    )


def authorizations_of_agent(user: Any) -> QuerySet[AgentAuthorization]:
    """The authorisations `user` holds as an agent, newest first."""
    if not getattr(user, "is_authenticated", False):
        return AgentAuthorization.objects.none()
    return (
        AgentAuthorization.objects.filter(agent_id=user.pk)
        .select_related("enterprise", "granted_by")
        .order_by("-valid_from", "-id")
    )


@dataclass(frozen=True)
class Membership:
    """An enterprise the user may act for, and in which role."""

    enterprise: Enterprise
    is_representative: bool
    scopes: tuple[str, ...]
    expires_at: datetime.datetime | None


def memberships_of(*, user: Any) -> list[Membership]:
    """The enterprises `user` may act for now, each with the user's role: every scope as
    legal representative, the authorised scopes (and the expiry) as an agent (2 queries)."""
    enterprises = list(enterprises_for(user))
    if not enterprises:
        return []
    now = timezone.now()
    agent_of = {
        a.enterprise_id: a
        for a in reversed(list(authorizations_of_agent(user)))
        if a.revoked_at is None and a.valid_from <= now < a.expires_at
    }
    memberships = []
    for enterprise in enterprises:
        if enterprise.legal_representative_id == user.pk:
            memberships.append(Membership(enterprise, True, tuple(AgentScope.values), None))
        elif enterprise.pk in agent_of:
            authorization = agent_of[enterprise.pk]
            memberships.append(
                Membership(enterprise, False, tuple(authorization.scopes), authorization.expires_at)
            )
    return memberships


def sign_in_events(*, user: Any) -> QuerySet[SignInEvent]:
    """The account's sign-in events (sign-ins, failures, lockouts, step-ups, sign-outs,
    password resets), newest first; unsliced, for pagination. Nobody else's."""
    if not getattr(user, "is_authenticated", False):
        return SignInEvent.objects.none()
    return SignInEvent.objects.filter(user=user).order_by("-occurred_at", "-id")


def sign_in_history(*, user: User, limit: int = 50) -> list[SignInEvent]:
    """The account's newest `limit` sign-in events, newest first."""
    return list(sign_in_events(user=user)[:limit])


def person_for_counter(*, actor: Any, id_number: str, request: Any = None) -> User | None:
    """The person account registered with `id_number` (valid and normalised), for a window
    clerk who has the person and their ID card at the counter. Only window clerks may
    look; every look-up is recorded (who, which masked number, found or not), because an
    ID number is enough to find someone's account."""
    from govhub.core.audit import audit_log
    from govhub.core.masking import mask_id_number
    from govhub.core.models import AuditEvent
    from govhub.registries.selectors import id_number_hash

    if not policies.can_confirm_in_person(actor):
        raise Forbidden()
    account = (
        User.objects.filter(id_number_hash=id_number_hash(id_number), kind=User.Kind.PERSON)
        .select_related("in_person_verified_by")
        .first()
    )
    audit_log(
        actor=actor,
        action="identity.account.counter_lookup",
        target=account,
        outcome=AuditEvent.Outcome.SUCCESS if account is not None else AuditEvent.Outcome.FAILURE,
        changes={"id_number": mask_id_number(id_number), "found": account is not None},
        request=request,
    )
    return account
