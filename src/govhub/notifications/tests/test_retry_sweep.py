"""The periodic sweep `retry_due_deliveries`: events whose run was lost are queued again,
nothing else is, and the run it queues finishes the job without sending anything twice."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from govhub.cases.workflow import Action, State
from govhub.notifications import selectors, services, tasks
from govhub.notifications.models import Channel, Delivery
from govhub.notifications.tasks import deliver_case_event, retry_due_deliveries
from govhub.notifications.tests.factories import CaseEventFactory, CaseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("default_templates")]

DELIVER = "govhub.notifications.tasks.deliver_case_event"
LEASE = services.SENDING_LEASE
MINUTE = datetime.timedelta(minutes=1)


def event():
    case = CaseFactory(state=State.UNDER_REVIEW)
    return CaseEventFactory(case=case, action=Action.ACCEPT, to_state=State.UNDER_REVIEW)


def delivery(case_event, *, status, attempts=1, ago=None, channel=Channel.SMS):
    claimed = None if ago is None else timezone.now() - ago
    return Delivery.objects.create(
        event_key=services.event_key_for(case_event.pk),
        case_event=case_event,
        channel=channel,
        recipient=case_event.case.applicant.mobile,
        status=status,
        attempts=attempts,
        claimed_at=claimed,
    )


def queued_events() -> list[int]:
    return sorted(
        row.args_kwargs["args"][0] for row in DBTaskResult.objects.filter(task_path=DELIVER)
    )


def due(now=None) -> list[int]:
    return selectors.events_with_deliveries_due(
        now=now or timezone.now(), retry_delays=tasks.RETRY_DELAYS, limit=100
    )


def test_a_claim_whose_worker_died_is_due_after_the_lease():
    stale, fresh = event(), event()
    delivery(stale, status=Delivery.Status.SENDING, ago=LEASE + MINUTE)
    delivery(fresh, status=Delivery.Status.SENDING, ago=LEASE - MINUTE)
    assert due() == [stale.pk]


def test_a_failure_is_due_once_its_deferred_retry_is_overdue():
    # After the n-th attempt the deferred run comes RETRY_DELAYS[n-1] later; the sweep
    # waits a lease longer, so it only catches runs that were lost.
    overdue, waiting, late_overdue = event(), event(), event()
    delivery(overdue, status=Delivery.Status.FAILED, attempts=1, ago=1 * MINUTE + LEASE + MINUTE)
    delivery(waiting, status=Delivery.Status.FAILED, attempts=2, ago=5 * MINUTE + LEASE - MINUTE)
    delivery(
        late_overdue,
        status=Delivery.Status.FAILED,
        attempts=4,
        ago=datetime.timedelta(hours=2) + LEASE + MINUTE,
    )
    assert sorted(due()) == sorted([overdue.pk, late_overdue.pk])


def test_what_is_finished_or_out_of_attempts_is_never_due():
    long_ago = datetime.timedelta(days=3)
    for status in (Delivery.Status.SENT, Delivery.Status.SKIPPED):
        delivery(event(), status=status, ago=long_ago)
    delivery(event(), status=Delivery.Status.FAILED, attempts=services.MAX_ATTEMPTS, ago=long_ago)
    assert due() == []


def test_an_admin_retry_nobody_took_up_is_due():
    reset = event()
    delivery(reset, status=Delivery.Status.QUEUED, attempts=0, ago=LEASE + MINUTE)
    assert due() == [reset.pk]


def test_an_event_is_listed_once_oldest_first_and_within_the_limit():
    older, newer = event(), event()
    delivery(newer, status=Delivery.Status.SENDING, ago=LEASE + MINUTE)
    delivery(older, status=Delivery.Status.SENDING, ago=LEASE + 3 * MINUTE)
    delivery(older, status=Delivery.Status.FAILED, ago=LEASE + 2 * MINUTE, channel=Channel.EMAIL)
    assert due() == [older.pk, newer.pk]
    assert selectors.events_with_deliveries_due(
        now=timezone.now(), retry_delays=tasks.RETRY_DELAYS, limit=1
    ) == [older.pk]


def test_the_sweep_queues_lost_runs_and_the_run_finishes_the_job(
    sms_outbox, django_capture_on_commit_callbacks
):
    lost = event()
    # The first run sent the in-site message and e-mail, then its worker died mid-SMS.
    deliver_case_event.call(lost.pk)
    sms = Delivery.objects.get(case_event=lost, channel=Channel.SMS)
    sms_outbox.clear()
    Delivery.objects.filter(pk=sms.pk).update(
        status=Delivery.Status.SENDING, claimed_at=timezone.now() - LEASE - MINUTE
    )
    untouched = event()
    delivery(untouched, status=Delivery.Status.SENT, ago=datetime.timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert retry_due_deliveries.call() == {"requeued": 1}
    assert queued_events() == [lost.pk]

    # What the worker then runs: the SMS goes out once, nothing else again.
    assert deliver_case_event.call(lost.pk) == {
        "sent": 1,
        "failed": 0,
        "skipped": 0,
        "unchanged": 2,
    }
    assert len(sms_outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert retry_due_deliveries.call() == {"requeued": 0}
    assert queued_events() == [lost.pk]
