"""Supervision scans at volume (issue 6), after `bench_cases` has loaded its cases
(1,000,000 on PostgreSQL, about 11% of them open; 100,000 on SQLite).

- Full scan, first run: every deadline rule over every case whose clock runs, raising the
  alerts of the day (each with its history row). Target ≤ 10 s.
- Full scan again (what the first scan of each later date costs when little changed):
  target ≤ 10 s.
- Incremental scan with nothing changed (the scan every five minutes): target ≤ 1 s.
- Incremental scan after 1,000 transitions (history rows on 1,000 open cases): no target.

Notes give the number of cases, open cases and alerts, and the plan of the statement that
reads the watched cases (the scan's only pass over the case table).
"""

from __future__ import annotations

import re
import statistics
import time
from typing import Any

from common import Figure

FULL_TARGET = 10.0  # s
INCREMENTAL_TARGET = 1.0  # s
CHANGED = 1_000


def _timed(func: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def _plan(sql: str, params: list[Any]) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        lines = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
    print("\n".join("      " + line for line in lines), flush=True)
    text = "\n".join(lines)
    found = set(re.findall(r"(?:Index Scan|Bitmap Index Scan|Index Only Scan) on (\w+)", text))
    found |= {f"seq scan {t}" for t in re.findall(r"Seq Scan on (\w+)", text)}
    for table, index in re.findall(
        r"(?:SEARCH|SCAN) (\w+)(?: USING (?:COVERING )?INDEX (\w+))?", text
    ):
        found.add(index or f"scan {table}")
    scans = sorted(found)
    timing = re.search(r"Execution Time: ([\d.]+) ms", text)
    return f"plan: {', '.join(str(s) for s in scans) or '?'}" + (
        f" ({float(timing.group(1)):.0f} ms)" if timing else ""
    )


def _touch(count: int) -> int:
    """History rows for `count` open cases (what transitions leave behind)."""
    from govhub.cases.models import Case, CaseEvent

    ids = list(
        Case.objects.filter(state="under_review").values_list("pk", flat=True).order_by("?")[:count]
    )
    CaseEvent.objects.bulk_create(
        [CaseEvent(case_id=pk, action="claim", actor_label="bench") for pk in ids], batch_size=1000
    )
    return len(ids)


def run() -> list[Figure]:
    from django.db import connection

    from govhub.cases.models import Case
    from govhub.cases.workflow import OPEN_STATES, PAUSED_STATES
    from govhub.supervision.models import Alert, ScanState, SupervisionNotice
    from govhub.supervision.rules import DEADLINE, enabled_rules
    from govhub.supervision.scan import supervision_scan

    total = Case.objects.count()
    open_cases = Case.objects.filter(state__in=[*OPEN_STATES, *PAUSED_STATES]).count()
    running = Case.objects.filter(state="under_review", paused_since__isnull=True).count()
    # From scratch: the demo's alerts (and the notice it escalated one to) go first.
    SupervisionNotice.objects.all().delete()
    Alert.objects.all().delete()
    ScanState.objects.all().delete()
    volume = f"{total:,} cases, {open_cases:,} open, {running:,} with the clock running"

    first_seconds, first = _timed(lambda: supervision_scan(full=True))
    alerts = Alert.objects.count()
    again_seconds, again = _timed(lambda: supervision_scan(full=True))
    incremental = []
    for _ in range(5):
        seconds, report = _timed(lambda: supervision_scan())
        assert report.mode == "incremental", report.mode
        incremental.append(seconds)
    touched = _touch(CHANGED)
    changed_seconds, changed = _timed(lambda: supervision_scan())

    _row, rule, _params = enabled_rules(DEADLINE)[0]
    sql, params = rule.rows_sql(("", []))
    plan = _plan(sql, params)
    engine = connection.vendor
    return [
        Figure(
            "supervision: full scan, first run",
            first_seconds,
            "s",
            target=FULL_TARGET,
            note=f"{volume}; raised {first.counts['raised']:,} alerts ({alerts:,} rows); {plan}",
        ),
        Figure(
            "supervision: full scan again",
            again_seconds,
            "s",
            target=FULL_TARGET,
            note=f"{engine}; changes: {sum(again.counts.values()):,}",
        ),
        Figure(
            "supervision: incremental scan, nothing changed",
            statistics.median(incremental),
            "s",
            target=INCREMENTAL_TARGET,
            note=f"median of 5; max {max(incremental):.3f} s",
        ),
        Figure(
            "supervision: incremental scan after transitions",
            changed_seconds,
            "s",
            note=f"{touched:,} cases with new history rows; changes: "
            f"{sum(changed.counts.values()):,}",
        ),
    ]
