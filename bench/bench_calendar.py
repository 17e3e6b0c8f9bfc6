"""Working-day calendar: deadline arithmetic is on every case's hot path."""

from __future__ import annotations

import random
from datetime import date, timedelta

from common import Figure, latency_figures, timed_ms


def run() -> list[Figure]:
    from govhub.core import calendar

    rng = random.Random(2026)
    starts = [date(2024, 1, 1) + timedelta(days=rng.randrange(0, 1000)) for _ in range(2000)]
    calendar.add_working_days(date(2026, 1, 5), 1)  # warm the per-year cache

    it = iter(starts * 10)

    def add_20() -> None:
        calendar.add_working_days(next(it), 20)

    def between() -> None:
        start = next(it)
        calendar.working_days_between(start, start + timedelta(days=60))

    add = timed_ms(add_20, repeat=5000)
    span = timed_ms(between, repeat=5000)
    return [
        *latency_figures("add_working_days(+20)", add, p95_target=0.5),
        *latency_figures("working_days_between(60 days)", span, p95_target=0.5),
    ]
