"""Every registry look-up, found or not, is in the audit trail as well as in the access
log: with the purpose, the requesting department, the actor's role, the answer (the
subject masked and by its keyed hash) and the source address; never a full ID number."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import RequestFactory

from govhub.core.models import AuditEvent
from govhub.core.requestid import request_id_var
from govhub.core.tests.audit_helpers import assert_not_in_trail
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import DepartmentFactory, UserFactory, grant
from govhub.registries.models import RegistryLookup
from govhub.registries.selectors import (
    legal_entity_get,
    legal_entity_verify_representative,
    lookups_survive_rollback,
    resident_get,
    resident_verify,
)
from govhub.registries.tests.factories import LegalEntityFactory, ResidentFactory

pytestmark = pytest.mark.django_db

UNKNOWN = "230402198001010011"


@pytest.fixture
def clerk():
    user = UserFactory(username="clerk-li")
    grant(user, Position.Role.REVIEWER)
    return user


def record_of(lookup: RegistryLookup) -> AuditEvent:
    return AuditEvent.objects.get(object_type="registries.registrylookup", object_id=lookup.pk)


def test_a_found_lookup_is_audited_with_department_purpose_and_role(clerk):
    resident = ResidentFactory(name="张三丰")
    request = RequestFactory().get("/", REMOTE_ADDR="10.2.3.4")
    token = request_id_var.set("req-found")
    try:
        found = resident_get(
            actor=clerk, id_number=resident.id_number, purpose="窗口办件核验", request=request
        )
    finally:
        request_id_var.reset(token)
    assert found == resident
    lookup = RegistryLookup.objects.get()
    department = clerk.staff_profile.department
    assert lookup.department == department
    event = record_of(lookup)
    assert event.action == "registries.lookup.resident_get"
    assert event.outcome == AuditEvent.Outcome.SUCCESS
    assert event.actor == clerk
    assert event.actor_role == "reviewer"
    assert str(event.source_ip) == "10.2.3.4"
    assert event.request_id == "req-found"
    assert event.changes == {
        "registry": "resident",
        "operation": "resident_get",
        "purpose": "窗口办件核验",
        "department": department.code,
        "result": "found",
        "subject": str(resident),
        "subject_hash": resident.id_number_hash,
    }
    assert_not_in_trail(resident.id_number)


def test_a_lookup_that_finds_nothing_is_audited_as_failed(clerk):
    assert resident_get(actor=clerk, id_number=UNKNOWN, purpose="窗口办件核验") is None
    event = record_of(RegistryLookup.objects.get())
    assert event.outcome == AuditEvent.Outcome.FAILURE
    assert event.changes["result"] == "not_found"
    assert event.changes["purpose"] == "窗口办件核验"
    assert event.changes["subject"] == "? 230402********0011"
    assert_not_in_trail(UNKNOWN)


@pytest.mark.parametrize(
    ("name_given", "result", "outcome"),
    [("张三丰", "match", "success"), ("张三", "name_mismatch", "failure")],
)
def test_verifications_are_audited_with_their_answer(name_given, result, outcome):
    resident = ResidentFactory(name="张三丰")
    citizen = UserFactory()
    match = resident_verify(
        actor=citizen, name=name_given, id_number=resident.id_number, purpose="cases.prefill"
    )
    assert match.outcome == result
    event = record_of(match.lookup)
    assert (event.action, event.outcome) == ("registries.lookup.resident_verify", outcome)
    assert event.changes["result"] == result
    # A citizen looks up for themselves: no department, no staff role.
    assert event.changes["department"] is None
    assert event.actor_role == ""
    assert_not_in_trail(resident.id_number)


def test_a_system_names_the_department_it_asks_for():
    entity = LegalEntityFactory()
    tax = DepartmentFactory(code="TAX01")
    assert (
        legal_entity_get(
            actor=None,
            actor_label="gateway:tax",
            uscc=entity.uscc,
            purpose="纳税信用评价",
            department=tax,
        )
        == entity
    )
    lookup = RegistryLookup.objects.get()
    assert lookup.department == tax
    event = record_of(lookup)
    assert event.actor is None and event.actor_label == "gateway:tax"
    assert event.changes["department"] == "TAX01"
    assert event.changes["registry"] == "legal_entity"


def test_a_representative_check_is_audited_without_the_number(clerk):
    entity = LegalEntityFactory()
    match = legal_entity_verify_representative(
        actor=clerk,
        uscc=entity.uscc,
        name=entity.legal_representative_name,
        id_number=entity.legal_representative_id_number,
        purpose="企业注册",
    )
    assert match.matched
    event = record_of(match.lookup)
    assert event.action == "registries.lookup.legal_entity_verify_representative"
    assert event.outcome == AuditEvent.Outcome.SUCCESS
    assert_not_in_trail(entity.legal_representative_id_number)


def test_a_lookup_without_purpose_records_nothing(clerk):
    with pytest.raises(ValueError):
        resident_get(actor=clerk, id_number=UNKNOWN, purpose=" ")
    assert not RegistryLookup.objects.exists()
    assert not AuditEvent.objects.exists()


# --- look-ups inside a service that fails --------------------------------------------------


class Refused(Exception):
    pass


def _recorded() -> tuple[int, int]:
    """Access-log rows and their audit records."""
    audited = AuditEvent.objects.filter(action__startswith="registries.lookup.").count()
    return RegistryLookup.objects.count(), audited


def _service_that_reads(*, fail: bool, clerk: object) -> None:
    @lookups_survive_rollback
    @transaction.atomic
    def service() -> None:
        resident_verify(actor=clerk, name="别人", id_number=UNKNOWN, purpose="窗口受理核验")
        legal_entity_get(actor=clerk, uscc="91230400MA1B2C3D4E", purpose="窗口受理核验")
        if fail:
            raise Refused

    service()


def test_a_failed_service_keeps_the_records_of_its_lookups(clerk):
    """Its transaction rolls back, and the look-ups' records with it: they are written
    again, once each, with their audit records."""
    with pytest.raises(Refused):
        _service_that_reads(fail=True, clerk=clerk)
    lookups = RegistryLookup.objects.order_by("pk")
    assert [(row.operation, row.outcome) for row in lookups] == [
        (RegistryLookup.Operation.RESIDENT_VERIFY, RegistryLookup.Outcome.NOT_FOUND),
        (RegistryLookup.Operation.LEGAL_ENTITY_GET, RegistryLookup.Outcome.NOT_FOUND),
    ]
    assert lookups[0].purpose == "窗口受理核验" and lookups[0].actor == clerk
    trail = AuditEvent.objects.filter(action__startswith="registries.lookup.")
    assert sorted(trail.values_list("object_id", flat=True)) == sorted(
        str(pk) for pk in lookups.values_list("pk", flat=True)
    )


def test_a_service_that_succeeds_records_each_lookup_once(clerk):
    _service_that_reads(fail=False, clerk=clerk)
    assert _recorded() == (2, 2)


def test_nested_services_record_each_lookup_once_when_both_fail(clerk):
    @lookups_survive_rollback
    @transaction.atomic
    def outer() -> None:
        resident_verify(actor=clerk, name="别人", id_number=UNKNOWN, purpose="窗口受理核验")
        with pytest.raises(Refused):
            _service_that_reads(fail=True, clerk=clerk)
        raise Refused

    with pytest.raises(Refused):
        outer()
    # The outer look-up, and the inner two that were written again inside the outer
    # transaction and rolled back with it: each recorded once.
    assert _recorded() == (3, 3)


def test_a_service_that_succeeds_inside_one_that_fails_keeps_its_lookups(clerk):
    @lookups_survive_rollback
    @transaction.atomic
    def outer() -> None:
        _service_that_reads(fail=False, clerk=clerk)
        raise Refused

    with pytest.raises(Refused):
        outer()
    assert _recorded() == (2, 2)
