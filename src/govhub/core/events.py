"""Domain events: a tiny publish/subscribe, dispatched after the transaction commits.

A lower app publishes; a higher app subscribes (usually in its AppConfig.ready()). So a
higher app reacts to a lower one without the lower one importing it. Handlers run after
the surrounding transaction commits, never for a rolled-back change; outside a
transaction they run at once. A handler that fails is logged and does not stop the
others: work that must not be lost belongs in a background task the handler enqueues.

A handler subscribed with `in_transaction=True` runs inside the publishing transaction,
at once. It is meant for one thing: recording follow-up work with
`govhub.core.outbox.enqueue_with_transaction`, so the work commits with the change or not
at all (a crash between the commit and an after-commit enqueue cannot lose it). Its
exceptions are not caught: the change rolls back rather than lose its follow-up.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base class of every event; subclasses add their own fields."""

    occurred_at: Any = field(default_factory=timezone.now)


Handler = Callable[[Any], None]

_subscribers: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
_in_transaction: dict[type[DomainEvent], list[Handler]] = defaultdict(list)


def subscribe[E: DomainEvent](
    event_type: type[E], handler: Callable[[E], None], *, in_transaction: bool = False
) -> None:
    """Register a handler; registering the same handler twice has no effect. See the
    module's notes for `in_transaction`."""
    handlers = (_in_transaction if in_transaction else _subscribers)[event_type]
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe[E: DomainEvent](event_type: type[E], handler: Callable[[E], None]) -> None:
    for registry in (_subscribers, _in_transaction):
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
    that run inside the publishing transaction, then those that run after it commits."""
    return _collect(_in_transaction, event) + _collect(_subscribers, event)


def _dispatch(event: DomainEvent) -> None:
    for handler in _collect(_subscribers, event):
        try:
            handler(event)
        except Exception:
            logger.exception(
                "event handler failed",
                extra={
                    "event": type(event).__name__,
                    "handler": getattr(handler, "__qualname__", repr(handler)),
                },
            )


def publish(event: DomainEvent, *, using: str | None = None) -> None:
    """Run the in-transaction handlers now, and deliver the event to the other
    subscribers once the current transaction commits."""
    for handler in _collect(_in_transaction, event):
        handler(event)
    if _collect(_subscribers, event):
        transaction.on_commit(lambda: _dispatch(event), using=using)
