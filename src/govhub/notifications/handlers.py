"""Reactions to other apps' domain events (subscribed in `apps.NotificationsConfig`)."""

from __future__ import annotations

from govhub.cases.events import CaseTransitioned
from govhub.notifications.tasks import enqueue_delivery


def on_case_transitioned(event: CaseTransitioned) -> None:
    """Queue the notifications of a step the applicant should hear about.

    The event bus calls this after the case's transaction has committed, so the task
    finds the `CaseEvent`; `enqueue_delivery` waits for a commit only if this runs inside
    a transaction of its own."""
    if not event.applicant_relevant:
        return
    enqueue_delivery(event.event_id)
