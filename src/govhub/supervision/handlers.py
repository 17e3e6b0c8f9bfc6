"""Reactions to other apps' domain events and signals (connected in `apps`)."""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from govhub.cases.events import CaseTransitioned
from govhub.supervision.process_check import cases_process_check


def on_cases_transitioned(events: list[CaseTransitioned]) -> None:
    """Every transition of a case may raise or cure a process alert (and moves its
    deadlines): evaluate the cases. Subscribed `in_background` and `batched`: it runs in
    the background run of the events, queued with each case's transaction, with all the
    events that run took (`core.events`); idempotent by event (`process_check`)."""
    cases_process_check(checks=[(event.case_id, event.event_id) for event in events])


def sync_rules_after_migrate(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Give every registered rule its row after `migrate` (and after a test flush); not
    when the table is not there (migrating backwards)."""
    from govhub.supervision.models import Rule
    from govhub.supervision.rules import sync_rules

    if Rule._meta.db_table in connections[using].introspection.table_names():
        sync_rules()
