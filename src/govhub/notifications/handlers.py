"""Reactions to other apps' domain events (subscribed in `apps.NotificationsConfig`)."""

from __future__ import annotations

from govhub.cases.events import CaseTransitioned
from govhub.notifications.tasks import enqueue_delivery


def on_case_transitioned(event: CaseTransitioned) -> None:
    """Queue the notifications of a step the applicant should hear about.

    Subscribed to run inside the case's transaction: the task is queued with the
    change (`core.outbox`), so it runs if and only if the change commits."""
    if not event.applicant_relevant:
        return
    enqueue_delivery(event.event_id)
