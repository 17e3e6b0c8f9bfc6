"""Audit coverage across apps: the registry look-ups that the case prefill makes are in the
audit trail, found or not, with their purpose (and no full ID number)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from govhub.cases.prefill import PREFILL_PURPOSE, prefill_for
from govhub.core.crypto import lookup_hash
from govhub.core.models import AuditEvent
from govhub.core.tests.audit_helpers import assert_not_in_trail
from govhub.identity.tests.factories import PersonFactory, VerifiedPersonFactory

pytestmark = pytest.mark.django_db

SCHEMA = {"properties": {"applicant_name": {}, "household_address": {}}}


def test_prefill_lookups_are_audited_found_or_not():
    found = VerifiedPersonFactory()
    prefill = prefill_for(SCHEMA, user=found)
    assert prefill.values["household_address"]
    unknown = PersonFactory(
        full_name="查无此人",
        id_number="230402198001010011",
        id_number_hash=lookup_hash("230402198001010011", purpose="id_number"),
        real_name_verified_at=timezone.now(),
    )
    assert "household_address" not in prefill_for(SCHEMA, user=unknown).values

    events = AuditEvent.objects.filter(action="registries.lookup.resident_verify").order_by("pk")
    assert [(e.actor, e.outcome, e.changes["result"]) for e in events] == [
        (found, AuditEvent.Outcome.SUCCESS, "match"),
        (unknown, AuditEvent.Outcome.FAILURE, "not_found"),
    ]
    assert {e.changes["purpose"] for e in events} == {PREFILL_PURPOSE}
    assert_not_in_trail(found.id_number, unknown.id_number)
