"""Domain events: a tiny publish/subscribe, dispatched after the transaction commits.

A lower app publishes; a higher app subscribes (usually in its AppConfig.ready()). So a
higher app reacts to a lower one without the lower one importing it. Handlers run after
the surrounding transaction commits, never for a rolled-back change; outside a
transaction they run at once. A handler that fails is logged and does not stop the
others: work that must not be lost belongs in a background handler (below).

A handler subscribed with `in_background=True` is follow-up work that must not be lost:
it runs in a background task. One task per published event runs every such handler of
the event (not one task per handler: each task costs the worker a claim and two updates
of its row), and the task is queued with `govhub.core.outbox.enqueue_with_transaction`,
so it commits with the change or not at all. The event travels as JSON: its fields must
be numbers, strings, booleans, None or the timestamp. A background handler must be safe
to run twice; one that fails is logged, the others still run, and the task then fails
with the first error (its row keeps the traceback).
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string

from govhub.core.outbox import enqueue_with_transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base class of every event; subclasses add their own fields."""

    occurred_at: Any = field(default_factory=timezone.now)


Handler = Callable[[Any], None]

_subscribers: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
_in_background: dict[type[DomainEvent], list[Handler]] = defaultdict(list)


def subscribe[E: DomainEvent](
    event_type: type[E], handler: Callable[[E], None], *, in_background: bool = False
) -> None:
    """Register a handler; registering the same handler twice has no effect. See the
    module's notes for `in_background`."""
    handlers = (_in_background if in_background else _subscribers)[event_type]
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe[E: DomainEvent](event_type: type[E], handler: Callable[[E], None]) -> None:
    for registry in (_subscribers, _in_background):
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
    background task."""
    return _collect(_subscribers, event) + _collect(_in_background, event)


def _run(handlers: list[Handler], event: DomainEvent) -> list[Exception]:
    failures: list[Exception] = []
    for handler in handlers:
        try:
            handler(event)
        except Exception as exc:
            failures.append(exc)
            logger.exception(
                "event handler failed",
                extra={
                    "event": type(event).__name__,
                    "handler": getattr(handler, "__qualname__", repr(handler)),
                },
            )
    return failures


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


@task()
def run_background_handlers(path: str, payload: dict[str, Any]) -> dict[str, int]:
    """The background handlers of one published event (see the module's notes)."""
    event = event_from_payload(path, payload)
    handlers = _collect(_in_background, event)
    failures = _run(handlers, event)
    if failures:
        raise failures[0]
    return {"handlers": len(handlers)}


def publish(event: DomainEvent, *, using: str | None = None) -> None:
    """Deliver the event to its subscribers once the current transaction commits, and
    queue one background task for its background handlers with the transaction."""
    if _collect(_in_background, event):
        enqueue_with_transaction(
            run_background_handlers, _path(type(event)), event_payload(event), using=using
        )
    if _collect(_subscribers, event):
        transaction.on_commit(lambda: _dispatch(event), using=using)
