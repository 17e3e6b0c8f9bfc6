"""Background tasks of the supervision app (django.tasks). Each is safe to run twice."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.tasks import task

from govhub.supervision.process_check import case_process_check
from govhub.supervision.scan import supervision_scan
from govhub.supervision.services import alerts_notify_raised


def notify_batch() -> int:
    """How many raised alerts each scan notifies at most (0: none, people notify)."""
    return int(getattr(settings, "GOVHUB_SUPERVISION_NOTIFY_BATCH", 200))


@task()
def supervision_scan_task(full: bool = False) -> dict[str, Any]:
    """The periodic deadline scan (registered as `supervision.scan`), then notify the
    departments of raised alerts. A second worker running it at the same time finds the
    scan's lease taken and only notifies (each alert once: a conditional transition)."""
    report = supervision_scan(full=full)
    batch = notify_batch()
    notified = alerts_notify_raised(limit=batch) if batch > 0 else 0
    return {**report.as_dict(), "notified": notified}


@task()
def supervision_case_check(case_id: int, event_id: int) -> dict[str, int]:
    """Evaluate the rules for one case after one of its transitions (idempotent by event:
    see `process_check`). Transitions now run the check in their event's background task
    (`handlers.on_cases_transitioned`); this task stays so that rows queued by an earlier
    release still run after an upgrade."""
    return case_process_check(case_id=case_id, event_id=event_id)
