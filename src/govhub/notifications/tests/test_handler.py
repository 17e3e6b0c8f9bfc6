"""The subscription to `cases.CaseTransitioned`: it runs in the event's background task,
which is queued in the case's own transaction (never for a rolled-back change), and only
steps the applicant should hear about send anything."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from govhub.cases.events import CaseTransitioned
from govhub.core.events import handlers_for, publish
from govhub.core.testing import run_queued_tasks
from govhub.notifications.handlers import on_cases_transitioned
from govhub.notifications.models import Delivery
from govhub.notifications.tests.factories import CaseEventFactory

pytestmark = pytest.mark.django_db

TASK_PATH = "govhub.core.events.run_background_handlers"


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


def queued_event_ids() -> list[int]:
    return [
        row.args_kwargs["args"][1]["event_id"]
        for row in DBTaskResult.objects.filter(task_path=TASK_PATH)
    ]


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
    assert on_cases_transitioned in handlers_for(event)


def test_queued_with_the_case_transaction():
    """Written inside the transaction that records the step (`core.outbox`): committed
    with it, so no crash after the commit can lose it."""
    event = CaseEventFactory()
    with transaction.atomic():
        publish(transitioned(event))
        assert queued_event_ids() == [event.pk]
    assert queued_event_ids() == [event.pk]


def test_nothing_queued_when_the_transaction_rolls_back():
    event = CaseEventFactory()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        publish(transitioned(event))
        raise Boom
    assert queued_event_ids() == []


@pytest.mark.usefixtures("default_templates")
def test_the_background_task_sends_the_notifications(sms_outbox):
    event = CaseEventFactory()
    publish(transitioned(event))
    assert run_queued_tasks() == 1
    assert Delivery.objects.filter(event_key=f"case_event:{event.pk}").exists()
    sent = Delivery.objects.count()
    texts = len(sms_outbox)
    # The same run again (a worker that died after sending) sends nothing twice.
    DBTaskResult.objects.filter(task_path=TASK_PATH).update(status="READY")
    assert run_queued_tasks() == 1
    assert (Delivery.objects.count(), len(sms_outbox)) == (sent, texts)


@pytest.mark.usefixtures("default_templates")
def test_steps_the_applicant_does_not_hear_about_send_nothing(sms_outbox):
    event = CaseEventFactory(action="claim", from_state="", to_state="")
    on_cases_transitioned([transitioned(event, relevant=False)])
    assert not Delivery.objects.exists()
    assert sms_outbox == []
