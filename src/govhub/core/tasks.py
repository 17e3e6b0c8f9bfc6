"""Background tasks of the core app (django.tasks). Each is safe to run twice."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.tasks import task

from govhub.core.audit_chain import audit_checkpoint, audit_seal


@task()
def audit_seal_task() -> dict[str, Any]:
    """Link the audit records written since the last run into the hash chain, then sign
    the new chain head. Meant to run every minute or so from the periodic scheduler."""
    report = audit_seal()
    checkpoint = audit_checkpoint()
    return {
        **report.as_dict(),
        "checkpoint_seq": checkpoint.seq if checkpoint is not None else None,
    }


# How long finished task rows are kept (the embedded setup's task table), in days.
TASK_RESULTS_KEEP_DAYS = 14


@task()
def task_results_prune() -> dict[str, Any]:
    """Delete finished rows of the database task backend older than
    `GOVHUB_TASK_RESULTS_KEEP_DAYS` (14), every queue (django-tasks-db's own
    `prune_db_task_results`); nothing with another backend. Run daily by the scheduler."""
    if not str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_db"):
        return {"pruned": False}
    days = int(getattr(settings, "GOVHUB_TASK_RESULTS_KEEP_DAYS", TASK_RESULTS_KEEP_DAYS))
    call_command("prune_db_task_results", min_age_days=days, queue_name="*", stdout=io.StringIO())
    return {"pruned": True, "days": days}
