"""Domain events: a tiny publish/subscribe, dispatched after the transaction commits.

A lower app publishes; a higher app subscribes (usually in its AppConfig.ready()). So a
higher app reacts to a lower one without the lower one importing it. Handlers run after
the surrounding transaction commits, never for a rolled-back change; outside a
transaction they run at once. A handler that fails is logged and does not stop the
others: work that must not be lost belongs in a background task the handler enqueues.
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


def subscribe[E: DomainEvent](event_type: type[E], handler: Callable[[E], None]) -> None:
    """Register a handler; registering the same handler twice has no effect."""
    handlers = _subscribers[event_type]
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe[E: DomainEvent](event_type: type[E], handler: Callable[[E], None]) -> None:
    handlers = _subscribers.get(event_type, [])
    if handler in handlers:
        handlers.remove(handler)


def handlers_for(event: DomainEvent) -> list[Handler]:
    """Handlers of the event's class and of every base class, most specific first."""
    found: list[Handler] = []
    for klass in type(event).__mro__:
        if isinstance(klass, type) and issubclass(klass, DomainEvent):
            found.extend(_subscribers.get(klass, []))
    return found


def _dispatch(event: DomainEvent) -> None:
    for handler in handlers_for(event):
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
    """Deliver the event to its subscribers once the current transaction commits."""
    transaction.on_commit(lambda: _dispatch(event), using=using)
