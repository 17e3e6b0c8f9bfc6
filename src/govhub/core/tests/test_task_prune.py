"""The nightly prune of the database task backend's finished rows."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from govhub.core.scheduler import registered_jobs
from govhub.core.tasks import task_results_prune

pytestmark = pytest.mark.django_db


def _row(status: str, finished_days_ago: float | None) -> DBTaskResult:
    finished = (
        timezone.now() - datetime.timedelta(days=finished_days_ago)
        if finished_days_ago is not None
        else None
    )
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="govhub.core.tasks.audit_seal_task",
        backend_name="default",
        queue_name="default",
        finished_at=finished,
    )


def test_only_old_finished_rows_go(settings) -> None:
    settings.GOVHUB_TASK_RESULTS_KEEP_DAYS = 14
    old_done = _row("SUCCESSFUL", 20)
    old_failed = _row("FAILED", 30)
    recent = _row("SUCCESSFUL", 2)
    waiting = _row("READY", None)
    assert task_results_prune.call() == {"pruned": True, "days": 14}
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert left == {recent.pk, waiting.pk}
    assert old_done.pk not in left and old_failed.pk not in left


def test_registered_as_a_nightly_job() -> None:
    job = registered_jobs()["core.prune_task_results"]
    assert job.task is task_results_prune
