"""Helpers for tests of code that queues background work."""

from __future__ import annotations


def run_queued_tasks() -> int:
    """Run the tasks waiting in the database queue as `db_worker` does (claim one, run it,
    record its outcome) until none is left, in the test's own transaction (not the
    worker's loop, which closes the connection between tasks). Returns how many tasks the
    worker ran; a background run that takes others with it (`core.events`) counts once."""
    from django.test import override_settings
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    runs = 0
    # What is queued now is all there will be: no background run waits for more.
    with override_settings(GOVHUB_BACKGROUND_LINGER_SECONDS=0):
        while (row := DBTaskResult.objects.ready().get_locked()) is not None:
            row.claim(worker.worker_id)
            worker.run_task(row)
            runs += 1
    return runs
