"""Reactions to other apps' domain events and signals (connected in `apps`)."""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from govhub.cases.events import CaseTransitioned
from govhub.supervision.process_check import case_process_check


def on_case_transitioned(event: CaseTransitioned) -> None:
    """Every transition of a case may raise or cure a process alert (and moves its
    deadlines): evaluate the case. Subscribed `in_background`: it runs in the event's
    background task, queued with the case's transaction (`core.events`); idempotent by
    event (`process_check`)."""
    case_process_check(case_id=event.case_id, event_id=event.event_id)


def sync_rules_after_migrate(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Give every registered rule its row after `migrate` (and after a test flush); not
    when the table is not there (migrating backwards)."""
    from govhub.supervision.models import Rule
    from govhub.supervision.rules import sync_rules

    if Rule._meta.db_table in connections[using].introspection.table_names():
        sync_rules()
