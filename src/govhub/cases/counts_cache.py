"""The queue tabs' counts, remembered for a few seconds.

Counting a department's queues (`selectors.queue_counts`) is the costliest part of a
workbench page at a million cases: about a third of it, though every count is an index
range capped at 1,000. Like the view counts of help-desk systems, the counts are kept in
the cache for `GOVHUB_QUEUE_COUNTS_TTL` seconds (default 20; 0 turns this off) under a key
made of the caller, their positions today and a generation per department they work for.

Every case transition (`CaseTransitioned`, after its commit) starts a new generation for
the case's department and for the department of the step it acted on (a joint review), so
the counts someone sees after acting are never the ones from before. With the embedded
setup's per-process memory cache, a change handled by another server process shows within
the TTL; with Redis (`REDIS_URL`) the generations are shared and the counts are exact.
The queue's rows are never cached.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache

from govhub.cases import selectors
from govhub.cases.events import CaseTransitioned
from govhub.core import calendar
from govhub.organizations.models import Position
from govhub.organizations.policies import valid_positions

DEFAULT_TTL = 20
_PREFIX = "cases:queue-counts"


def ttl() -> int:
    return int(getattr(settings, "GOVHUB_QUEUE_COUNTS_TTL", DEFAULT_TTL))


def _generation_key(department_id: int) -> str:
    return f"{_PREFIX}:generation:{department_id}"


def _departments(positions: list[Position]) -> list[int]:
    departments: set[int] = set()
    for position in positions:
        departments.add(position.department_id)
        if position.window is not None:
            departments |= {d.pk for d in position.window.departments.all()}
    return sorted(departments)


def _key(actor: Any, positions: list[Position]) -> str:
    departments = _departments(positions)
    generations = cache.get_many([_generation_key(d) for d in departments])
    scope = (
        actor.pk,
        calendar.local_today().isoformat(),
        sorted((p.pk, p.role, p.department_id, p.region_id, p.window_id or 0) for p in positions),
        [(d, generations.get(_generation_key(d), 0)) for d in departments],
    )
    digest = hashlib.sha256(repr(scope).encode()).hexdigest()[:32]
    return f"{_PREFIX}:{digest}"


def queue_counts(*, actor: Any) -> dict[str, int]:
    """`selectors.queue_counts(actor=actor)`, from the cache when it is fresh."""
    seconds = ttl()
    if seconds <= 0:
        return selectors.queue_counts(actor=actor)
    key = _key(actor, valid_positions(actor))
    counts = cache.get(key)
    if counts is None:
        counts = selectors.queue_counts(actor=actor)
        cache.set(key, counts, seconds)
    return dict(counts)


def forget_department(department_id: int | None) -> None:
    """Start a new generation of counts for `department_id`."""
    if department_id is not None:
        cache.set(_generation_key(department_id), time.time_ns(), None)


def on_case_transitioned(event: CaseTransitioned) -> None:
    """Subscribed in `CasesConfig.ready`: delivered after the change commits."""
    forget_department(event.department_id)
    if event.step_department_id != event.department_id:
        forget_department(event.step_department_id)
