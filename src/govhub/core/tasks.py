"""Background tasks of the core app (django.tasks). Each is safe to run twice."""

from __future__ import annotations

from typing import Any

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
