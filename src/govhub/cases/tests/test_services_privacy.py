"""Revealing an applicant's full ID number: to staff who may open the case, on the record;
refused (and the refusal recorded) for anyone else."""

from __future__ import annotations

from typing import Any

import pytest

from govhub.cases import services
from govhub.cases.tests.factories import make_online_item, staff_member, submit_case
from govhub.core.errors import Forbidden
from govhub.core.models import AuditEvent
from govhub.identity.tests.factories import VerifiedPersonFactory
from govhub.organizations.models import Position
from govhub.organizations.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db
Role = Position.Role
ACTION = "cases.case.view_id_number"


@pytest.fixture
def case() -> Any:
    return submit_case(item=make_online_item())


def test_staff_of_the_case_get_the_number_and_one_audit_record(case: Any) -> None:
    clerk = staff_member(Role.WINDOW_CLERK, case.department)
    assert case.applicant_id_number
    number = services.case_id_number_reveal(actor=clerk, case=case, request=None)
    assert number == case.applicant_id_number
    event = AuditEvent.objects.get(action=ACTION)
    assert event.actor == clerk
    assert event.outcome == AuditEvent.Outcome.SUCCESS
    assert event.object_id == str(case.pk)
    assert event.changes == {"number": case.number}
    # Every reveal is recorded, also by a supervisor of the case's region.
    supervisor = staff_member(Role.SUPERVISOR, DepartmentFactory(), region=case.region)
    assert services.case_id_number_reveal(actor=supervisor, case=case) == number
    assert AuditEvent.objects.filter(action=ACTION).count() == 2


def test_another_departments_clerk_is_refused_and_the_refusal_is_audited(case: Any) -> None:
    stranger = staff_member(Role.WINDOW_CLERK, make_online_item().department)
    with pytest.raises(Forbidden):
        services.case_id_number_reveal(actor=stranger, case=case, request=None)
    event = AuditEvent.objects.get(action=ACTION)
    assert event.outcome == AuditEvent.Outcome.DENIED
    assert event.actor == stranger
    assert event.object_id == str(case.pk)
    assert case.applicant_id_number not in str(event.changes)


def test_the_applicant_is_not_staff_of_their_own_case(case: Any) -> None:
    with pytest.raises(Forbidden):
        services.case_id_number_reveal(actor=case.applicant, case=case)
    with pytest.raises(Forbidden):
        services.case_id_number_reveal(actor=VerifiedPersonFactory(), case=case)
    assert set(AuditEvent.objects.filter(action=ACTION).values_list("outcome", flat=True)) == {
        AuditEvent.Outcome.DENIED
    }
