"""Background tasks of the notifications app (django.tasks). Safe to run twice: the
`Delivery` rows record what has been sent (see `services`)."""

from __future__ import annotations

import datetime
import logging

from django.tasks import task
from django.utils import timezone

from govhub.core.outbox import enqueue_with_transaction
from govhub.notifications import selectors, services

logger = logging.getLogger(__name__)

# Wait before the next try after the n-th failed attempt (backends that can defer).
RETRY_DELAYS = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
)


def deliver(event_id: int) -> dict[str, int]:
    """Send the in-site message, text message and e-mail about one `cases.CaseEvent` to
    everyone concerned; schedule another run while a send failed and attempts are left."""
    return deliver_many([event_id])[event_id]


def deliver_many(event_ids: list[int]) -> dict[int, dict[str, int]]:
    """`deliver` for many events at once (`services.case_events_deliver`); each event
    with a failed send gets its own retry."""
    reports = services.case_events_deliver(event_ids=event_ids)
    for event_id, report in reports.items():
        if report.get(services.FAILED):
            schedule_retry(event_id)
    return reports


@task()
def deliver_case_event(event_id: int) -> dict[str, int]:
    """`deliver` as a task of its own: a retry, the sweep, the admin's "retry" action (the
    first run is the case event's background handler, `handlers.on_cases_transitioned`)."""
    return deliver(event_id)


def enqueue_delivery(event_id: int) -> None:
    """Queue `deliver_case_event` with the current transaction (`core.outbox`)."""
    enqueue_with_transaction(deliver_case_event, event_id)


def schedule_retry(event_id: int) -> bool:
    """Queue another run later, when a delivery failed with attempts left and the task
    backend can defer work (the immediate backend cannot: retries then come from
    `retry_due_deliveries` or the admin's "retry" action). Returns whether a run was
    queued."""
    pending = selectors.delivery_to_retry(event_id=event_id)
    if pending is None or not deliver_case_event.get_backend().supports_defer:
        return False
    delay = RETRY_DELAYS[min(max(pending.attempts, 1), len(RETRY_DELAYS)) - 1]
    deferred = deliver_case_event.using(run_after=timezone.now() + delay)
    enqueue_with_transaction(deferred, event_id)
    logger.info("notification retry scheduled", extra={"case_event": event_id})
    return True


# How many case events one sweep queues again, at most (the next sweep takes the rest).
SWEEP_LIMIT = 500


@task()
def retry_due_deliveries() -> dict[str, int]:
    """Periodic job (registered in `NotificationsConfig.ready`): queue `deliver_case_event`
    again for events whose run was lost, i.e. a worker that died while sending (the claim
    outlived `SENDING_LEASE`), a task that failed before it could schedule its retry, a
    backend that cannot defer, or a deferred run that never came. Running it twice only
    queues a run twice, which sends nothing twice."""
    event_ids = selectors.events_with_deliveries_due(
        now=timezone.now(), retry_delays=RETRY_DELAYS, limit=SWEEP_LIMIT
    )
    for event_id in event_ids:
        enqueue_delivery(event_id)
    if event_ids:
        logger.info("notification deliveries queued again", extra={"events": len(event_ids)})
    return {"requeued": len(event_ids)}
