"""Domain events: a tiny publish/subscribe, dispatched after the transaction commits.

A lower app publishes; a higher app subscribes (usually in its AppConfig.ready()). So a
higher app reacts to a lower one without the lower one importing it. Handlers run after
the surrounding transaction commits, never for a rolled-back change; outside a
transaction they run at once. A handler that fails is logged and does not stop the
others: work that must not be lost belongs in a background handler (below).

A handler subscribed with `in_background=True` is follow-up work that must not be lost:
it runs in a background task. One task per published event (not one per handler) is
queued with `govhub.core.outbox.enqueue_with_transaction`, so it commits with the change
or not at all. The event travels as JSON: its fields must be numbers, strings, booleans,
None or the timestamp. A background handler must be safe to run twice; one that fails is
logged, the others still run, and the event's task then fails with the first error (its
row keeps the traceback).

With the database task backend, one run of the task also takes up to `BATCH_SIZE` - 1
other events still waiting in the queue (claimed like the worker claims a task: locked,
skipping rows another worker holds, marked running) and runs their handlers too, then
marks each of their rows finished; a fresh event first waits until it is
`GOVHUB_BACKGROUND_LINGER_SECONDS` old, so that the events of a steady stream gather.
A busy queue therefore costs the worker one claim and one pair of row updates per
batch, not per event, and a handler subscribed with
`batched=True` receives the whole batch at once (a list of events), so it can read and
write with one statement per table for all of them. A batched handler that fails is run
again one event at a time, so that only the events it fails for are marked failed.
A run stopped in the middle gives the events it took back to the queue; a worker that
died leaves them running, and `requeue_stalled_background_runs` (a periodic job) puts
them back after `STALLED_AFTER`.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import TaskContext, TaskResult, TaskResultStatus, task
from django.utils import timezone
from django.utils.module_loading import import_string

from govhub.core.outbox import enqueue_with_transaction, task_table

logger = logging.getLogger(__name__)

# Events one background run takes at most: the event it was queued for and others that
# wait in the queue.
BATCH_SIZE = 100
# A background run still marked running this long after it started was given up by a
# worker that died; `requeue_stalled_background_runs` queues it again.
STALLED_AFTER = datetime.timedelta(minutes=30)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base class of every event; subclasses add their own fields."""

    occurred_at: Any = field(default_factory=timezone.now)


Handler = Callable[[Any], None]

_subscribers: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
_in_background: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
_batched: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
_REGISTRIES = (_subscribers, _in_background, _batched)


def subscribe[E: DomainEvent](
    event_type: type[E],
    handler: Callable[[E], None] | Callable[[list[E]], None],
    *,
    in_background: bool = False,
    batched: bool = False,
) -> None:
    """Register a handler; registering the same handler twice has no effect. See the
    module's notes for `in_background` and `batched` (a batched handler takes a list of
    events and always runs in the background)."""
    if batched and not in_background:
        raise ValueError("a batched handler runs in the background: pass in_background=True")
    registry = _batched if batched else _in_background if in_background else _subscribers
    handlers = registry[event_type]
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe[E: DomainEvent](event_type: type[E], handler: Callable[..., None]) -> None:
    for registry in _REGISTRIES:
        handlers = registry.get(event_type, [])
        if handler in handlers:
            handlers.remove(handler)


def _collect(registry: dict[type[DomainEvent], list[Handler]], event: DomainEvent) -> list[Handler]:
    found: list[Handler] = []
    for klass in type(event).__mro__:
        if isinstance(klass, type) and issubclass(klass, DomainEvent):
            found.extend(registry.get(klass, []))
    return found


def handlers_for(event: DomainEvent) -> list[Handler]:
    """Handlers of the event's class and of every base class, most specific first: those
    that run after the publishing transaction commits, then those that run in the
    background task (one event at a time, then batched)."""
    return [handler for registry in _REGISTRIES for handler in _collect(registry, event)]


def _call(handler: Handler, argument: Any, event_name: str) -> Exception | None:
    try:
        handler(argument)
    except Exception as exc:
        logger.exception(
            "event handler failed",
            extra={
                "event": event_name,
                "handler": getattr(handler, "__qualname__", repr(handler)),
            },
        )
        return exc
    return None


def _run(handlers: list[Handler], event: DomainEvent) -> list[Exception]:
    failures = [_call(handler, event, type(event).__name__) for handler in handlers]
    return [failure for failure in failures if failure is not None]


def _dispatch(event: DomainEvent) -> None:
    _run(_collect(_subscribers, event), event)


def _path(event_type: type[DomainEvent]) -> str:
    return f"{event_type.__module__}.{event_type.__qualname__}"


def event_payload(event: DomainEvent) -> dict[str, Any]:
    """The event's fields as JSON (the timestamp as ISO 8601)."""
    payload = {}
    for item in fields(event):
        value = getattr(event, item.name)
        payload[item.name] = value.isoformat() if isinstance(value, datetime.datetime) else value
    return payload


def event_from_payload(path: str, payload: dict[str, Any]) -> DomainEvent:
    """The event `event_payload` wrote, of the class at `path` (a `DomainEvent`)."""
    event_type = import_string(path)
    if not (isinstance(event_type, type) and issubclass(event_type, DomainEvent)):
        raise TypeError(f"{path} is not a domain event")
    values = dict(payload)
    if isinstance(values.get("occurred_at"), str):
        values["occurred_at"] = datetime.datetime.fromisoformat(values["occurred_at"])
    return event_type(**values)


def run_handlers(events: list[DomainEvent]) -> dict[int, Exception]:
    """Every background handler of every event: those subscribed one event at a time,
    event by event, then each batched handler once with all the events it handles. A
    batched handler that fails runs again for each of its events alone, so a failure
    counts against the events it fails for. Returns the first failure of each event that
    had one, by position in `events`."""
    failures: dict[int, Exception] = {}
    batches: dict[Handler, list[int]] = defaultdict(list)
    for position, event in enumerate(events):
        for failure in _run(_collect(_in_background, event), event):
            failures.setdefault(position, failure)
        for handler in _collect(_batched, event):
            batches[handler].append(position)
    for handler, positions in batches.items():
        batch = [events[position] for position in positions]
        name = type(batch[0]).__name__
        if len(batch) > 1 and _call(handler, batch, name) is None:
            continue
        for position in positions:
            alone = _call(handler, [events[position]], name)
            if alone is not None:
                failures.setdefault(position, alone)
    return failures


@task(takes_context=True)
def run_background_handlers(
    context: TaskContext, path: str, payload: dict[str, Any]
) -> dict[str, int]:
    """The background handlers of one published event, and of the others waiting in the
    queue that this run takes with it (see the module's notes)."""
    event = event_from_payload(path, payload)
    _linger(context.task_result)
    taken = _take_waiting(context.task_result, limit=BATCH_SIZE - 1)
    report = {"handlers": len(_collect(_in_background, event) + _collect(_batched, event))}
    finished: set[Any] = set()
    try:
        events, rows = _readable(taken, finished)
        failures = run_handlers([event, *events])
        batch = {**report, "batched_with": str(context.task_result.id)}
        _record_taken(rows, failures, batch, finished)
    finally:
        _give_back([row for row in taken if row.pk not in finished])
    if 0 in failures:
        raise failures[0]
    return {**report, "events": 1 + len(events)}


def _readable(taken: list[Any], finished: set[Any]) -> tuple[list[DomainEvent], list[Any]]:
    """The events of the runs taken and their rows; a row this code cannot read fails
    alone (added to `finished`)."""
    events: list[DomainEvent] = []
    rows: list[Any] = []
    for row in taken:
        try:
            events.append(event_from_payload(*row.task_result.args))
        except Exception as exc:
            _record_failure(row, exc)
            finished.add(row.pk)
        else:
            rows.append(row)
    return events, rows


def _record_taken(
    rows: list[Any], failures: dict[int, Exception], report: dict[str, Any], finished: set[Any]
) -> None:
    """Each taken run's outcome: one update for those whose handlers all succeeded, each
    failure on its own row. `failures` are by position in the run's events, where the
    taken ones start at 1 (0 is the run's own event)."""
    done = [row for position, row in enumerate(rows, start=1) if position not in failures]
    _record_success(done, report)
    finished.update(row.pk for row in done)
    for position, row in enumerate(rows, start=1):
        if position in failures:
            _record_failure(row, failures[position])
            finished.add(row.pk)


def _linger(result: TaskResult) -> None:
    """With the database backend, wait until the event is `GOVHUB_BACKGROUND_LINGER_SECONDS`
    old (0.5 by default) before taking the others: under a steady stream of submissions
    the worker would otherwise take each event the moment it commits, one run each, and
    pay a run's fixed cost (claim, row updates, one statement per table) per event. The
    events of that half second go in one run instead; a backlog is never waited for."""
    if task_table(result.task) is None or result.enqueued_at is None:
        return
    linger = float(getattr(settings, "GOVHUB_BACKGROUND_LINGER_SECONDS", 0.5))
    wait = linger - (timezone.now() - result.enqueued_at).total_seconds()
    if wait > 0:
        time.sleep(min(wait, linger))


def _take_waiting(result: TaskResult, *, limit: int) -> list[Any]:
    """Up to `limit` other background runs waiting in the database queue of `result`,
    claimed for this run: locked (skipping rows another worker holds) and marked
    running in one short transaction. None with any other backend."""
    rows = task_table(result.task)
    if limit <= 0 or rows is None:
        return []
    waiting = rows.objects.ready().filter(
        backend_name=result.backend,
        queue_name=result.task.queue_name,
        task_path=result.task.module_path,
    )
    with transaction.atomic(using=waiting.db):
        taken = list(waiting.select_for_update(skip_locked=True)[:limit])
        if taken:
            rows.objects.filter(pk__in=[row.pk for row in taken]).update(
                status=TaskResultStatus.RUNNING,
                started_at=timezone.now(),
                worker_ids=list(result.worker_ids),
            )
    return taken


def _record_success(taken: list[Any], report: dict[str, Any]) -> None:
    if taken:
        type(taken[0]).objects.filter(pk__in=[row.pk for row in taken]).update(
            status=TaskResultStatus.SUCCESSFUL,
            finished_at=timezone.now(),
            return_value=report,
            exception_class_path="",
            traceback="",
        )


def _record_failure(row: Any, exc: Exception) -> None:
    row.set_failed(exc)
    logger.warning(
        "background run failed",
        extra={"task_result": str(row.pk), "error": f"{type(exc).__name__}: {exc}"},
    )


def _give_back(taken: list[Any]) -> None:
    """Runs this one took but did not finish (it was stopped): waiting again."""
    if taken:
        type(taken[0]).objects.filter(
            pk__in=[row.pk for row in taken], status=TaskResultStatus.RUNNING
        ).update(status=TaskResultStatus.READY, started_at=None)


@task()
def requeue_stalled_background_runs() -> dict[str, int]:
    """Periodic job: background runs marked running for longer than `STALLED_AFTER` (the
    worker that took them died) wait in the queue again. Their handlers are safe to run
    twice."""
    rows = task_table(run_background_handlers)
    if rows is None:
        return {"requeued": 0}
    requeued = rows.objects.filter(
        task_path=run_background_handlers.module_path,
        status=TaskResultStatus.RUNNING,
        started_at__lt=timezone.now() - STALLED_AFTER,
    ).update(status=TaskResultStatus.READY, started_at=None)
    if requeued:
        logger.warning("stalled background runs queued again", extra={"runs": requeued})
    return {"requeued": requeued}


def publish(event: DomainEvent, *, using: str | None = None) -> None:
    """Deliver the event to its subscribers once the current transaction commits, and
    queue one background task for its background handlers with the transaction."""
    if _collect(_in_background, event) or _collect(_batched, event):
        enqueue_with_transaction(
            run_background_handlers, _path(type(event)), event_payload(event), using=using
        )
    if _collect(_subscribers, event):
        transaction.on_commit(lambda: _dispatch(event), using=using)
