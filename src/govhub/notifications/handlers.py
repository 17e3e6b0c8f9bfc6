"""Reactions to other apps' domain events (subscribed in `apps.NotificationsConfig`)."""

from __future__ import annotations

from govhub.cases.events import CaseTransitioned
from govhub.notifications.tasks import deliver


def on_case_transitioned(event: CaseTransitioned) -> None:
    """Send the notifications of a step the applicant should hear about.

    Subscribed `in_background`: it runs in the event's background task, which is queued
    with the case's transaction (`core.events`, `core.outbox`), so it runs if and only if
    the change commits. Safe to run twice (the `Delivery` rows)."""
    if not event.applicant_relevant:
        return
    deliver(event.event_id)
