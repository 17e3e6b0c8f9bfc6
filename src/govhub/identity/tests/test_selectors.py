"""Reads: sign-in events of the account itself, enterprises the user may act for."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from govhub.identity import selectors
from govhub.identity.models import AgentScope, SignInEvent
from govhub.identity.tests.factories import (
    AgentAuthorizationFactory,
    EnterpriseFactory,
    VerifiedPersonFactory,
)

pytestmark = pytest.mark.django_db


def _event(user, minutes_ago, outcome="success"):
    return SignInEvent.objects.create(
        user=user,
        identifier=user.username if user else "138****0000",
        method="pwd",
        outcome=outcome,
        occurred_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
    )


def test_sign_in_events_are_the_users_own_newest_first(django_assert_num_queries):
    user, other = VerifiedPersonFactory(), VerifiedPersonFactory()
    old, new, middle = _event(user, 30), _event(user, 1), _event(user, 10, "failure")
    _event(other, 5)
    _event(None, 2, "failure")
    events = selectors.sign_in_events(user=user)
    with django_assert_num_queries(2):
        assert events.count() == 3
        assert list(events[:2]) == [new, middle]
    assert list(events) == [new, middle, old]
    assert selectors.sign_in_history(user=user, limit=1) == [new]
    assert not selectors.sign_in_events(user=AnonymousUser()).exists()


def test_memberships_name_the_role(django_assert_num_queries):
    person = VerifiedPersonFactory()
    represented = EnterpriseFactory(legal_representative=person)
    grant = AgentAuthorizationFactory(agent=person, scopes=[AgentScope.VIEW])
    AgentAuthorizationFactory(agent=person, revoked_at=timezone.now())  # revoked
    AgentAuthorizationFactory(  # expired
        agent=person,
        valid_from=timezone.now() - datetime.timedelta(days=10),
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    with django_assert_num_queries(2):
        memberships = selectors.memberships_of(user=person)
    by_uscc = {m.enterprise.uscc: m for m in memberships}
    assert set(by_uscc) == {represented.uscc, grant.enterprise.uscc}
    mine = by_uscc[represented.uscc]
    assert mine.is_representative and set(mine.scopes) == set(AgentScope.values)
    assert mine.expires_at is None
    agent = by_uscc[grant.enterprise.uscc]
    assert not agent.is_representative and agent.scopes == ("view",)
    assert agent.expires_at == grant.expires_at
    assert selectors.memberships_of(user=AnonymousUser()) == []


def test_counter_lookups_are_for_window_clerks_and_recorded():
    from govhub.core.errors import Forbidden
    from govhub.core.models import AuditEvent
    from govhub.organizations.models import Position
    from govhub.organizations.tests.factories import PositionFactory

    clerk = PositionFactory(role=Position.Role.WINDOW_CLERK).staff.user
    person = VerifiedPersonFactory()
    assert selectors.person_for_counter(actor=clerk, id_number=person.id_number) == person
    other = "11010519491231002X"
    assert selectors.person_for_counter(actor=clerk, id_number=other) is None
    records = AuditEvent.objects.filter(action="identity.account.counter_lookup").order_by("id")
    assert [(r.actor, r.changes["found"], r.outcome) for r in records] == [
        (clerk, True, "success"),
        (clerk, False, "failure"),
    ]
    assert person.id_number not in str(records[0].changes)  # masked
    with pytest.raises(Forbidden):
        selectors.person_for_counter(actor=VerifiedPersonFactory(), id_number=person.id_number)
