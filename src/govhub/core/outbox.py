"""Queue background work so that it runs if and only if the current transaction commits.

With the database task backend (the embedded setup, `django_tasks_db`) the task row is
written inside the transaction: a transactional outbox. It commits with the change or not
at all, the worker cannot see it before the commit, and a crash between the commit and an
enqueue cannot lose it; it also saves a commit (a WAL flush on PostgreSQL) per task. Any
other backend (Redis queue in the scale setup) cannot take part in the database's
transaction, so the task is enqueued after the commit, as Django recommends; there a crash
in between loses the run, and the periodic sweeps (`notifications.retry_due_deliveries`,
the supervision scan) are the safety net.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction


def task_table(task: Any) -> Any:
    """The database task backend's table (`DBTaskResult`) when `task` runs on that
    backend, else None."""
    try:
        from django_tasks_db import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the package is a dependency
        return None
    return DBTaskResult if isinstance(task.get_backend(), DatabaseBackend) else None


def _in_database(task: Any, using: str) -> bool:
    table = task_table(task)
    return table is not None and router.db_for_write(table) == using


def enqueue_with_transaction(
    task: Any, *args: Any, using: str | None = None, **kwargs: Any
) -> None:
    """Enqueue `task(*args, **kwargs)` as part of the current transaction on `using` (see
    the module's notes); outside a transaction, at once."""
    alias = using or DEFAULT_DB_ALIAS
    if connections[alias].in_atomic_block and _in_database(task, alias):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs), using=alias)
