"""Reads of the identity domain, scoped to the caller."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from govhub.core.errors import Forbidden
from govhub.identity import policies
from govhub.identity.models import AgentAuthorization, Enterprise, SignInEvent, User


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


def sign_in_history(*, user: User, limit: int = 50) -> list[SignInEvent]:
    """The account's newest sign-in events (sign-ins, failures, lockouts, step-ups,
    sign-outs), newest first."""
    return list(SignInEvent.objects.filter(user=user).order_by("-occurred_at", "-id")[:limit])
