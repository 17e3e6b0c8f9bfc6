"""The subscription to `cases.CaseTransitioned`: only steps the applicant should hear
about are queued, and in the case's own transaction (never for a rolled-back change)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from govhub.cases.events import CaseTransitioned
from govhub.core.events import handlers_for, publish
from govhub.notifications.handlers import on_case_transitioned
from govhub.notifications.tests.factories import CaseEventFactory

pytestmark = pytest.mark.django_db

TASK_PATH = "govhub.notifications.tasks.deliver_case_event"


def transitioned(event, *, relevant: bool = True) -> CaseTransitioned:
    return CaseTransitioned(
        case_id=event.case_id,
        event_id=event.pk,
        number=event.case.number,
        action=event.action,
        from_state=event.from_state,
        to_state=event.to_state,
        applicant_relevant=relevant,
    )


def queued() -> list[list[int]]:
    return [row.args_kwargs["args"] for row in DBTaskResult.objects.filter(task_path=TASK_PATH)]


def test_the_app_subscribes_at_start_up():
    event = CaseTransitioned(
        case_id=1,
        event_id=1,
        number="x",
        action="accept",
        from_state="submitted",
        to_state="under_review",
        applicant_relevant=True,
    )
    assert on_case_transitioned in handlers_for(event)


def test_queued_with_the_case_transaction():
    """Written inside the transaction that records the step (`core.outbox`): committed
    with it, so no crash after the commit can lose it."""
    event = CaseEventFactory()
    with transaction.atomic():
        publish(transitioned(event))
        assert queued() == [[event.pk]]
    assert queued() == [[event.pk]]


def test_nothing_queued_when_the_transaction_rolls_back():
    event = CaseEventFactory()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        publish(transitioned(event))
        raise Boom
    assert queued() == []


def test_steps_the_applicant_does_not_hear_about_are_not_queued(
    django_capture_on_commit_callbacks,
):
    event = CaseEventFactory(action="claim", from_state="", to_state="")
    with django_capture_on_commit_callbacks(execute=True):
        publish(transitioned(event, relevant=False))
    assert queued() == []
