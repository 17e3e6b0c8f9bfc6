"""Reactions to other apps' domain events (subscribed in `apps.NotificationsConfig`)."""

from __future__ import annotations

from govhub.cases.events import CaseTransitioned
from govhub.notifications.tasks import deliver_many


def on_cases_transitioned(events: list[CaseTransitioned]) -> None:
    """Send the notifications of the steps the applicants should hear about.

    Subscribed `in_background` and `batched`: it runs in the background run of the
    events, each queued with its case's transaction (`core.events`, `core.outbox`), so it
    runs if and only if the change commits, with all the events that run took. Safe to
    run twice (the `Delivery` rows)."""
    relevant = [event.event_id for event in events if event.applicant_relevant]
    if relevant:
        deliver_many(relevant)
